// The SA command mailbox behind the register block (contract section 3): the command
// window, the doorbell, a queue of Depth commands, and the in-order response queue.
//
// - CMD_WINDOW (external block of the register block): Words x 32-bit write-only storage;
//   word i is the be32 value of command image bytes 4i .. 4i+3. Writes are acknowledged in
//   the clock they arrive and land in the window the clock after (registered here: the
//   request is the register block's address decode); reads never reach here (the register
//   block answers SLVERR).
// - CMD_DOORBELL: the clock after its write strobe (registered here: the strobe is the
//   register block's address decode, too deep to drive the queue's write port in the same
//   clock), the window is copied into the command queue and cleared, so key material does
//   not linger in it, and the written length, on the field's value from that clock, is
//   stored with it. A doorbell while Depth commands are outstanding (accepted, response
//   not yet popped) is dropped: the CMD_DROP counter counts it, it gets no response, and the
//   window is cleared all the same.
// - Commands go to the executor in order (cmd_valid_o with the image and length, held until
//   cmd_done_i). A queue entry is zeroed when its command is done (a clock later when a
//   doorbell writes the queue on that clock: the queue has one write port).
// - Responses: the executor posts one per command; only words 0 (syndrome) and 1 (echo)
//   of the 32-byte response can be non-zero, so only they are stored (RspWords 2). With
//   packet offload word 2 carries ADD_SA_PKT's SA index (packet section P2), and RspWords 3
//   stores it too. RSP_WORD0..7 show the oldest response, zero when there is none; RSP_POP
//   releases it.
// - Words is the window's size: 37 (148 bytes, the Innova's) or, with packet offload, 52
//   (208 bytes, ADD_SA_PKT's image). The queue stores whole windows.
// - After reset the queue memory is scrubbed (Depth clocks, one more for each doorbell
//   meanwhile): commands queued before a reset leave no key material behind. The scrub
//   stays ahead of the queue's tail (a doorbell needs a register write, which takes more
//   than a clock after reset), or at it on the clock a doorbell writes that entry.
//
// Image bytes are packed big-endian: byte 0 in the top bits of cmd_image_o, so word i is
// cmd_image_o[(Words-1-i)*32 +: 32].
module cmd_mailbox #(
  parameter int unsigned Words    = 37,  // the command window: 148 bytes (52: 208 bytes)
  parameter int unsigned Depth    = 8,   // at most 15 (CMD_STATUS.OUTSTANDING is 4 bits)
  parameter int unsigned RspWords = 2    // response words stored: 2, or 3 (word 2 too)
) (
  input  logic                                            clk_i,
  input  logic                                            rst_ni,

  // Register block side.
  input  ipsec_regs_pkg::ipsec_regs__CMD_WINDOW__out_t    window_i,
  output ipsec_regs_pkg::ipsec_regs__CMD_WINDOW__in_t     window_o,
  input  ipsec_regs_pkg::ipsec_regs__CMD_DOORBELL__out_t  doorbell_i,
  input  ipsec_regs_pkg::ipsec_regs__RSP_POP__out_t       rsp_pop_i,
  output ipsec_regs_pkg::ipsec_regs__CMD_STATUS__in_t     status_o,
  output logic [31:0]                                     rsp_word0_o,  // RSP_WORD0
  output logic [31:0]                                     rsp_word1_o,  // RSP_WORD1
  output logic [31:0]                                     rsp_word2_o,  // RSP_WORD2 (RspWords 3; else 0)
  output logic                                            rsp_ready_o,  // INTR_STATUS.RSP_READY
  output logic                                            cmd_drop_o,   // CMD_DROP increment

  // Executor side.
  output logic                                            cmd_valid_o,
  output logic [7:0]                                      cmd_len_o,
  output logic [Words*32-1:0]                             cmd_image_o,
  input  logic                                            cmd_done_i,
  input  logic                                            rsp_valid_i,
  input  logic [31:0]                                     rsp_word0_i,
  input  logic [31:0]                                     rsp_word1_i,
  input  logic [31:0]                                     rsp_word2_i   // used with RspWords 3
);

  localparam int unsigned ImgW  = Words * 32;
  localparam int unsigned SlotW = Depth > 1 ? $clog2(Depth) : 1;
  localparam int unsigned CntW  = $clog2(Depth + 1);
  localparam int unsigned WordW = $clog2(Words);
  localparam int unsigned RspW  = 32 * RspWords;

  localparam logic [SlotW-1:0] LastSlot = SlotW'(Depth - 1);
  localparam logic [CntW-1:0]  DepthCnt = CntW'(Depth);

  function automatic logic [SlotW-1:0] next_slot(input logic [SlotW-1:0] s);
    next_slot = (s == LastSlot) ? '0 : s + 1'b1;
  endfunction

  // ---------------------------------------------------------------------------------------
  // Scrub after reset
  // ---------------------------------------------------------------------------------------
  logic             scrub_q;
  logic [SlotW-1:0] scrub_slot_q;
  logic             accept;  // a doorbell's command is queued (below)

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      scrub_q      <= 1'b1;
      scrub_slot_q <= '0;
    end else if (scrub_q && (!accept || cq_tail_q == scrub_slot_q)) begin
      // A doorbell takes the queue's write port first: the scrub waits, unless the doorbell
      // writes the very entry the scrub is at (its image replaces whatever was there).
      scrub_slot_q <= next_slot(scrub_slot_q);
      if (scrub_slot_q == LastSlot) scrub_q <= 1'b0;
    end
  end

  // ---------------------------------------------------------------------------------------
  // Command window
  // ---------------------------------------------------------------------------------------
  logic [ImgW-1:0]  window_q;
  logic             win_we;
  logic [WordW-1:0] win_word;
  logic             doorbell;  // the doorbell's write strobe, registered
  logic [CntW-1:0]  outstanding_q;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) doorbell <= 1'b0;
    else         doorbell <= doorbell_i.LEN.swmod;
  end

  // A window write, registered: its data and strobes on every clock, as the register
  // block's own write data register holds them, so no copy of a key word outlives that one.
  logic [31:0] win_data_q, win_biten_q;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) win_we <= 1'b0;
    else         win_we <= window_i.req && window_i.req_is_wr;
  end

  always_ff @(posedge clk_i) begin
    win_word    <= window_i.addr[WordW+1:2];
    win_data_q  <= window_i.wr_data;
    win_biten_q <= window_i.wr_biten;
  end

  assign accept = doorbell && outstanding_q != DepthCnt;

  // A doorbell (or the first clock after reset) clears the window; a write lands in its
  // word. Both are registered register writes, one a clock, so they never meet; were they
  // to, the write would land in the cleared word, not merge into the old image.
  // Word by word, each decoding its own address (a variable part-select maps to a shifter).
  for (genvar w = 0; w < Words; w++) begin : gen_window
    logic [31:0] word_q, old;
    assign old = doorbell ? '0 : word_q;
    always_ff @(posedge clk_i) begin
      if (win_we && win_word == WordW'(w)) begin
        word_q <= (old & ~win_biten_q) | (win_data_q & win_biten_q);
      end else if (doorbell || (scrub_q && scrub_slot_q == '0)) begin
        word_q <= '0;
      end
    end
    assign window_q[(Words-1-w)*32 +: 32] = word_q;
  end

  assign window_o.wr_ack  = window_i.req && window_i.req_is_wr;
  assign window_o.rd_ack  = 1'b0;
  assign window_o.rd_data = '0;

  // ---------------------------------------------------------------------------------------
  // Command queue
  // ---------------------------------------------------------------------------------------
  logic [ImgW-1:0]  cq_mem [Depth];
  logic [7:0]       cq_len_q [Depth];
  logic [SlotW-1:0] cq_head_q, cq_tail_q;
  logic [CntW-1:0]  cq_count_q;
  logic             queued_q;  // a command was queued in the clock before
  logic [ImgW-1:0]  cq_rdata_q;
  logic             rdata_fresh_q;
  logic             rd_en;
  logic             clear, clear_wait_q;
  logic [SlotW-1:0] clear_slot, clear_slot_q;
  logic             cq_we;
  logic [SlotW-1:0] cq_waddr;

  // Read the head entry again after the head moved or an entry was written (it may be the
  // head): the clock after a done, and the clock after a doorbell; and during the scrub
  // after reset, so that the read register ends it holding a zeroed entry.
  assign rd_en = !rdata_fresh_q || queued_q || scrub_q;

  // One write port (a memory of one write and one read port: docs/fpga.md). It writes the
  // doorbell's copy at the tail, or zeros into an entry to clear: the entry of a command
  // just done, or after reset every entry in turn (the scrub). The doorbell goes first; a
  // clear it meets waits (clear_wait_q), and no command is offered meanwhile, so at most
  // one clear waits. A clear still waiting when a doorbell writes its entry is dropped: the
  // new image replaces the old. The scrub waits for a doorbell by not advancing, unless the
  // doorbell writes the entry the scrub is at.
  // A single port also keeps a Verilated model from holding a copy: it keeps the last value
  // written through a port in a variable of its own, and after a command is done that is
  // the zeros of its clear (docs/architecture.md, "Key hygiene").
  assign clear      = scrub_q || cmd_done_i || clear_wait_q;
  assign clear_slot = clear_wait_q ? clear_slot_q : (scrub_q ? scrub_slot_q : cq_head_q);
  assign cq_we      = accept || clear;
  assign cq_waddr   = accept ? cq_tail_q : clear_slot;

  always_ff @(posedge clk_i) begin
    if (cq_we) cq_mem[cq_waddr] <= accept ? window_q : '0;
    if (rd_en) cq_rdata_q <= cq_mem[cq_head_q];
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) clear_wait_q <= 1'b0;
    else         clear_wait_q <= accept && (cmd_done_i || clear_wait_q) && cq_tail_q != clear_slot;
  end

  always_ff @(posedge clk_i) begin
    if (cmd_done_i) clear_slot_q <= cq_head_q;
  end

  always_ff @(posedge clk_i) begin
    if (accept) cq_len_q[cq_tail_q] <= doorbell_i.LEN.value;
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      cq_head_q     <= '0;
      cq_tail_q     <= '0;
      cq_count_q    <= '0;
      queued_q <= 1'b0;
      rdata_fresh_q <= 1'b0;
    end else begin
      // The image and length are copied in the doorbell's clock; the command counts from
      // the next clock, when the head entry has been read again.
      queued_q <= accept;
      if (accept) cq_tail_q <= next_slot(cq_tail_q);
      if (cmd_done_i) cq_head_q <= next_slot(cq_head_q);
      cq_count_q <= cq_count_q + {{(CntW-1){1'b0}}, queued_q}
                               - {{(CntW-1){1'b0}}, cmd_done_i};
      // The registered read shows the new head one clock after the head moves.
      rdata_fresh_q <= !cmd_done_i;
    end
  end

  assign cmd_valid_o = cq_count_q != '0 && rdata_fresh_q && !scrub_q && !clear_wait_q;
  assign cmd_image_o = cq_rdata_q;
  assign cmd_len_o   = cq_len_q[cq_head_q];

  // ---------------------------------------------------------------------------------------
  // Response queue
  // ---------------------------------------------------------------------------------------
  logic [RspW-1:0]  rsp_mem [Depth];
  logic [SlotW-1:0] rsp_head_q, rsp_tail_q;
  logic [CntW-1:0]  rsp_count_q;
  logic             pop;
  logic [RspW-1:0]  rsp_in;  // word 0 in the top bits

  if (RspWords == 3) begin : gen_rsp3
    assign rsp_in      = {rsp_word0_i, rsp_word1_i, rsp_word2_i};
    assign rsp_word2_o = rsp_count_q != '0 ? rsp_mem[rsp_head_q][31:0] : '0;
  end else begin : gen_rsp2
    logic unused_word2;
    assign unused_word2 = ^rsp_word2_i;
    assign rsp_in       = {rsp_word0_i, rsp_word1_i};
    assign rsp_word2_o  = '0;
  end

  assign pop = rsp_pop_i.POP.value && rsp_count_q != '0;

  always_ff @(posedge clk_i) begin
    if (rsp_valid_i) rsp_mem[rsp_tail_q] <= rsp_in;
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      rsp_head_q    <= '0;
      rsp_tail_q    <= '0;
      rsp_count_q   <= '0;
      outstanding_q <= '0;
    end else begin
      if (rsp_valid_i) rsp_tail_q <= next_slot(rsp_tail_q);
      if (pop)         rsp_head_q <= next_slot(rsp_head_q);
      rsp_count_q   <= rsp_count_q + {{(CntW-1){1'b0}}, rsp_valid_i}
                                   - {{(CntW-1){1'b0}}, pop};
      outstanding_q <= outstanding_q + {{(CntW-1){1'b0}}, accept}
                                     - {{(CntW-1){1'b0}}, pop};
    end
  end

  assign rsp_word0_o = rsp_count_q != '0 ? rsp_mem[rsp_head_q][RspW-1 -: 32] : '0;
  assign rsp_word1_o = rsp_count_q != '0 ? rsp_mem[rsp_head_q][RspW-33 -: 32] : '0;
  assign rsp_ready_o = rsp_count_q != '0;
  assign cmd_drop_o  = doorbell && !accept;

  assign status_o.OUTSTANDING.next = 4'(outstanding_q);
  assign status_o.RSP_LEVEL.next   = 4'(rsp_count_q);
  assign status_o.FULL.next        = outstanding_q == DepthCnt;
  assign status_o.RSP_VALID.next   = rsp_count_q != '0;

`ifdef IPSEC_ASSERTIONS
  // Queue invariants: every accepted command is queued (or being stored), executing, or has
  // its response waiting; nothing overflows; the executor answers each command once.
  logic [CntW:0] held;
  assign held = {1'b0, cq_count_q} + (CntW+1)'(queued_q) + {1'b0, rsp_count_q};

  // Out of reset only (the reset branch is empty: rst_ni stays an asynchronous reset alone).
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
    end else begin
      assert (outstanding_q <= DepthCnt) else $error("%m: more than Depth commands outstanding");
      assert (held == {1'b0, outstanding_q})
        else $error("%m: queued + responses %0d != outstanding %0d", held, outstanding_q);
      assert (!cmd_done_i || cmd_valid_o) else $error("%m: command done without a command");
      assert (!rsp_valid_i || cmd_done_i) else $error("%m: response without a finished command");
      assert (!(accept && scrub_q && scrub_slot_q < cq_tail_q))
        else $error("%m: command queued into a slot the scrub has still to clear");
    end
  end
`endif

`ifdef FORMAL
  // Formal properties (make formal, docs/formal.md): the invariants the assertions above
  // check, proven; commands reach the executor in order with the image and length they were
  // rung with; responses leave in the order they were posted; no key material stays in the
  // window after a doorbell or in an entry after its command is done; a doorbell to a full
  // queue is dropped and counted. As the proof's top (FORMAL_CMD_MAILBOX) its neighbours are
  // assumed to behave as the register block and sa_cmd_exec do.
  logic f_past_q = 1'b0;
  always_ff @(posedge clk_i) f_past_q <= 1'b1;

`ifdef FORMAL_CMD_MAILBOX
  initial assume (!rst_ni);
  always_comb begin
    // The executor finishes only a command it was given and answers it in that clock.
    assume (!cmd_done_i || cmd_valid_o);
    assume (rsp_valid_i == cmd_done_i);
    // The register block: the window and the doorbell are register writes, one per clock,
    // and none lands in the first clock after reset (AXI4-Lite takes at least two).
    assume (!(window_i.req && doorbell_i.LEN.swmod));
  end
  always_ff @(posedge clk_i) begin
    if (f_past_q && !$past(rst_ni)) begin
      assume (!window_i.req && !doorbell_i.LEN.swmod);
    end
  end
`endif

  // One accepted command, chosen by the solver (any of them), is followed to the executor.
  (* anyseq *) logic f_pick_cmd;
  logic [1:0]       f_cmd_state_q;  // 0: not chosen yet, 1: queued, 2: done
  logic [ImgW-1:0]  f_img_q;
  logic [7:0]       f_len_q;
  logic [SlotW-1:0] f_cmd_slot_q;
  logic [CntW-1:0]  f_cmd_ahead_q;
  logic [CntW-1:0]  f_cq_used;  // entries taken: queued, or copied with the length to come

  assign f_cq_used = cq_count_q + CntW'(queued_q);


  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      f_cmd_state_q <= 2'd0;
    end else begin
      if (f_cmd_state_q == 2'd0) begin
        if (accept && f_pick_cmd) begin
          f_cmd_state_q <= 2'd1;
          f_img_q       <= window_q;
          f_len_q       <= doorbell_i.LEN.value;
          f_cmd_slot_q  <= cq_tail_q;
          f_cmd_ahead_q <= f_cq_used - CntW'(cmd_done_i);
        end
      end else if (f_cmd_state_q == 2'd1 && cmd_done_i) begin
        if (f_cmd_ahead_q == '0) f_cmd_state_q <= 2'd2;
        else                     f_cmd_ahead_q <= f_cmd_ahead_q - 1'b1;
      end
    end
  end

  // One posted response, chosen likewise, is followed to the RSP_WORD registers.
  (* anyseq *) logic f_pick_rsp;
  logic [1:0]       f_rsp_state_q;
  logic [RspW-1:0]  f_rsp_q;
  logic [SlotW-1:0] f_rsp_slot_q;
  logic [CntW-1:0]  f_rsp_ahead_q;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      f_rsp_state_q <= 2'd0;
    end else if (f_rsp_state_q == 2'd0) begin
      if (rsp_valid_i && f_pick_rsp) begin
        f_rsp_state_q <= 2'd1;
        f_rsp_q       <= rsp_in;
        f_rsp_slot_q  <= rsp_tail_q;
        f_rsp_ahead_q <= rsp_count_q - CntW'(pop);
      end
    end else if (f_rsp_state_q == 2'd1 && pop) begin
      if (f_rsp_ahead_q == '0) f_rsp_state_q <= 2'd2;
      else                     f_rsp_ahead_q <= f_rsp_ahead_q - 1'b1;
    end
  end

  // Where the tails and the followed entries should be: sums of SlotW bits, wrapping as the
  // pointers do (Depth a power of two in the proof).
  logic [SlotW-1:0] f_cq_tail, f_rsp_tail, f_cmd_slot, f_rsp_slot;
  assign f_cq_tail  = cq_head_q + f_cq_used[SlotW-1:0];
  assign f_rsp_tail = rsp_head_q + rsp_count_q[SlotW-1:0];
  assign f_cmd_slot = cq_head_q + f_cmd_ahead_q[SlotW-1:0];
  assign f_rsp_slot = rsp_head_q + f_rsp_ahead_q[SlotW-1:0];

  always_comb begin
    if (rst_ni) begin
      // The assertions of the simulation build.
      assert (outstanding_q <= DepthCnt);
      assert ({1'b0, cq_count_q} + (CntW+1)'(queued_q) + {1'b0, rsp_count_q}
              == {1'b0, outstanding_q});
      assert (!(accept && scrub_q && scrub_slot_q < cq_tail_q));
      // A clear waits at most while doorbells take the queue's write port, and no command is
      // done meanwhile; no response is posted to a full queue.
      assert (!(clear_wait_q && cmd_done_i));
      // A waiting clear is for the entry just before the head, which no command holds.
      if (clear_wait_q) assert (next_slot(clear_slot_q) == cq_head_q && f_cq_used != DepthCnt);
      assert (!(rsp_valid_i && rsp_count_q == DepthCnt));
      // Pointers and counts agree.
      assert (cq_tail_q == f_cq_tail);
      assert (rsp_tail_q == f_rsp_tail);
      // What the executor is shown is the head entry.
      if (cmd_valid_o) assert (cmd_image_o == cq_mem[cq_head_q]);
      // A doorbell to a full queue is dropped and counted, and only then.
      assert (cmd_drop_o == (doorbell && outstanding_q == DepthCnt));
      assert (f_cmd_state_q != 2'd3 && f_rsp_state_q != 2'd3);
      if (f_cmd_state_q == 2'd1) begin
        assert (f_cmd_ahead_q < f_cq_used);
        assert (f_cmd_slot_q == f_cmd_slot);
        assert (cq_mem[f_cmd_slot_q] == f_img_q);
        assert (cq_len_q[f_cmd_slot_q] == f_len_q);
        if (f_cmd_ahead_q == '0 && cmd_valid_o) begin
          assert (cmd_image_o == f_img_q);
          assert (cmd_len_o == f_len_q);
        end
      end
      if (f_rsp_state_q == 2'd1) begin
        assert (f_rsp_ahead_q < rsp_count_q);
        assert (f_rsp_slot_q == f_rsp_slot);
        assert (rsp_mem[f_rsp_slot_q] == f_rsp_q);
        if (f_rsp_ahead_q == '0) begin
          assert ({rsp_word0_o, rsp_word1_o} == f_rsp_q[RspW-1 -: 64]);
          if (RspWords == 3) assert (rsp_word2_o == f_rsp_q[31:0]);
        end
      end
    end
  end

  // No key material lingers: the window is clear after a doorbell, an entry after its
  // command is done.
  always_ff @(posedge clk_i) begin
    if (f_past_q && $past(rst_ni) && rst_ni) begin
      if ($past(doorbell) && !$past(win_we)) assert (window_q == '0);
      // The entry of a command done (or of a clear that waited) is clear on the next clock
      // the doorbell leaves the write port, unless a doorbell has written it anew.
      if ($past(cmd_done_i) && !$past(accept)) assert (cq_mem[$past(cq_head_q)] == '0);
      if ($past(clear_wait_q) && !$past(accept)) assert (cq_mem[$past(clear_slot_q)] == '0);
    end
  end

  always_ff @(posedge clk_i) begin
    if (rst_ni) begin
      cover (outstanding_q == DepthCnt && doorbell);  // a drop
      cover (f_cmd_state_q == 2'd2 && f_rsp_state_q == 2'd2);
    end
  end
`endif

endmodule
