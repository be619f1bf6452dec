// RX ingress: the frame FIFO between the wire and esp_rx. A MAC's receive side cannot wait,
// so the wire input is never back-pressured (tready is 1 on every clock); when the engine
// cannot take a frame, that frame is dropped whole and counted (contract section 4:
// dec_drop), never cut.
//
// Admission is decided once per frame, at its first beat: the frame is taken if the FIFO
// has room for the largest frame the engine stores (MaxFrame, plus the last beat of a frame
// running past it: esp_rx cuts such a frame and drops it as oversize, so only its end must
// reach it). A frame taken is then sure to fit, so it can leave while it still arrives
// (cut-through: no store-and-forward delay here), and there is nothing to roll back. The
// alternative, writing optimistically and rolling the write pointer back at a frame that
// does not fit, would need the frame held until its last beat (a whole frame of latency)
// and buys only the last MaxFrame of the FIFO.
//
// The decision is registered: `room_q` is computed one clock ahead from the pointers, with
// one beat of margin for the write of that clock, so the first beat costs no logic.
//
// Storage: one simple dual-port block RAM of Depth beats (sdp_ram: one write port, one
// registered read port, no reset on data). The read side keeps a small output queue filled
// ahead (credits), so its valid never depends on ready, and its output is a register; a beat
// written at clock t leaves at t + 2 at the earliest (a beat is read in the clock it is
// written when nothing is ahead of it).
//
// Reset: the FIFO empties; tready stays 1 (the port does not go away during reset either),
// and beats offered while rst_ni is low are lost with the engine's state, uncounted, as the
// counters are cleared by the same reset.
module esp_rx_ingress #(
  parameter int Depth    = 2048,  // beats of 16 bytes, a power of two, at least 2 * MaxFrame
  parameter int MaxFrame = 9216   // largest frame the engine stores, bytes
) (
  input  logic         clk_i,
  input  logic         rst_ni,

  // Wire side.
  input  logic         s_axis_tvalid_i,
  output logic         s_axis_tready_o,  // 1, always
  input  logic [127:0] s_axis_tdata_i,
  input  logic [15:0]  s_axis_tkeep_i,
  input  logic         s_axis_tlast_i,
  input  logic         s_axis_tuser_i,

  // To esp_rx.
  output logic         m_axis_tvalid_o,
  input  logic         m_axis_tready_i,
  output logic [127:0] m_axis_tdata_o,
  output logic [15:0]  m_axis_tkeep_o,
  output logic         m_axis_tlast_o,
  output logic         m_axis_tuser_o,

  // One-clock pulse: a frame was dropped whole for want of room.
  output logic         drop_o
);

  localparam int AddrW    = $clog2(Depth);
  localparam int PtrW     = AddrW + 1;  // with the wrap bit
  localparam int MaxBeats = (MaxFrame + 15) / 16;
  // A frame takes at most MaxBeats + 1 places; one more for the clock room_q lags behind.
  localparam int Need     = MaxBeats + 2;
  localparam int ODepth   = 4;          // output queue

  typedef struct packed {
    logic [127:0] data;
    logic [15:0]  keep;
    logic         last;
    logic         user;
  } beat_t;

  // ---- Write side ---------------------------------------------------------------------------
  logic                 in_frame_q;  // between a frame's first and last beat
  logic                 take_q;      // the frame in progress was admitted
  logic                 room_q;      // Need places free (as of the clock before)
  logic [AddrW-1:0]     n_q;         // beats of the frame written, saturating at MaxBeats
  logic [PtrW-1:0]      wr_q, rd_q;
  logic                 drop_q;
  logic                 first, take, we;
  logic [PtrW-1:0]      used;
  beat_t                w_beat;

  assign s_axis_tready_o = 1'b1;

  always_comb begin
    first = !in_frame_q;
    take  = first ? room_q : take_q;
    // Beats past MaxBeats are not stored, but for the last: esp_rx sees the frame end and
    // counts it as oversize.
    we    = s_axis_tvalid_i && take && (n_q < AddrW'(MaxBeats) || s_axis_tlast_i);
    used  = wr_q - rd_q;
    w_beat.data = s_axis_tdata_i;
    w_beat.keep = s_axis_tkeep_i;
    w_beat.last = s_axis_tlast_i;
    w_beat.user = s_axis_tuser_i;
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      in_frame_q <= 1'b0;
      take_q     <= 1'b0;
      room_q     <= 1'b1;
      n_q        <= '0;
      wr_q       <= '0;
      drop_q     <= 1'b0;
    end else begin
      room_q <= used <= PtrW'(Depth - Need);
      drop_q <= s_axis_tvalid_i && s_axis_tlast_i && !take;
      if (s_axis_tvalid_i) begin
        in_frame_q <= !s_axis_tlast_i;
        take_q     <= take;
        if (s_axis_tlast_i)                n_q <= '0;
        else if (n_q < AddrW'(MaxBeats))   n_q <= n_q + AddrW'(1);
      end
      if (we) wr_q <= wr_q + PtrW'(1);
    end
  end

  assign drop_o = drop_q;

  // ---- Storage --------------------------------------------------------------------------------
  logic  re;
  beat_t r_beat;

  sdp_ram #(.Width($bits(w_beat)), .Depth(Depth)) u_ram (
    .clk_i,
    .we_i (we), .waddr_i (wr_q[AddrW-1:0]), .wdata_i (w_beat),
    .re_i (re), .raddr_i (rd_q[AddrW-1:0]), .rdata_o (r_beat)
  );

  // ---- Read side: reads issued against credits in the output queue ---------------------------
  // A beat may be read in the clock it is written, when the ring holds nothing else: the
  // block RAM then reads the row's old contents, so the beat is also kept from the wire
  // (`byp_q`) and chosen in place of the RAM's (`s1_byp_q`). So a beat written at clock t is
  // in the RAM's read register's place at t + 1 and in the output register at t + 2.
  logic                    s1_valid_q;  // a beat read last clock: the RAM's read register's
  logic                    s1_byp_q;    // ... or, if set, byp_q
  beat_t                   byp_q, s1_beat;
  logic                    q_empty, q_push, q_pop;
  logic [$clog2(ODepth):0] ocount;
  beat_t                   q_head;

  assign re = (wr_q != rd_q || we) && 32'(ocount) + 32'(s1_valid_q) < ODepth;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      rd_q       <= '0;
      s1_valid_q <= 1'b0;
      s1_byp_q   <= 1'b0;
    end else begin
      if (re) rd_q <= rd_q + PtrW'(1);
      s1_valid_q <= re;
      s1_byp_q   <= re && wr_q == rd_q;
    end
  end

  always_ff @(posedge clk_i) begin
    if (we) byp_q <= w_beat;
  end

  assign s1_beat = s1_byp_q ? byp_q : r_beat;

  // ---- Output: a register, the queue's head behind it ------------------------------------------
  // The output is a register, so that esp_rx's parser, which looks at the offered beat,
  // starts at a flip-flop rather than behind the choice between the RAM's read and the
  // queue's LUTRAM read. It takes the queue's head, or the beat just read while the queue
  // is empty; a beat read finding the register taken goes into the queue.
  logic  out_valid_q, out_free;
  beat_t out_q;

  assign out_free = !out_valid_q || m_axis_tready_i;
  assign q_pop    = out_free && !q_empty;
  assign q_push   = s1_valid_q && !(q_empty && out_free);

  sync_fifo #(.Width($bits(r_beat)), .Depth(ODepth)) u_outq (
    .clk_i, .rst_ni,
    .push_i (q_push), .data_i (s1_beat),
    .pop_i  (q_pop), .data_o (q_head),
    .empty_o (q_empty), .full_o (), .almost_full_o (), .count_o (ocount)
  );

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) out_valid_q <= 1'b0;
    else if (out_free) out_valid_q <= !q_empty || s1_valid_q;
  end

  always_ff @(posedge clk_i) begin
    if (out_free) out_q <= q_empty ? s1_beat : q_head;
  end

  assign m_axis_tvalid_o = out_valid_q;
  assign m_axis_tdata_o  = out_q.data;
  assign m_axis_tkeep_o  = out_q.keep;
  assign m_axis_tlast_o  = out_q.last;
  assign m_axis_tuser_o  = out_q.user;

`ifdef IPSEC_ASSERTIONS
  // An admitted frame always fits: the room test at its first beat covers its largest size.
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
    end else begin
      assert (!we || used != PtrW'(Depth))
        else $error("esp_rx_ingress: a beat written into a full FIFO");
    end
  end
`endif

`ifdef FORMAL
  // Formal properties (make formal, docs/formal.md). The wire side has no rules to keep: it
  // offers a beat when it will. The beat's data is followed by two bits of tdata and one of
  // tkeep (FData, FKeep), with last and user: the block moves every bit alike and looks at
  // none, so what holds for these holds for each, and the solver need not carry the other
  // 141 bits of every entry.
  localparam int FData = 2;
  localparam int FKeep = 1;
  logic f_past_q = 1'b0;
  always_ff @(posedge clk_i) f_past_q <= 1'b1;

`ifdef FORMAL_ESP_RX_INGRESS
  initial assume (!rst_ni);
`endif

  logic f_pop;
  assign f_pop = m_axis_tvalid_o && m_axis_tready_i;

  // The frame arriving, followed apart from the block's own state: inside it, admitted, beats
  // so far (saturating past MaxBeats).
  logic       f_in_frame_q, f_adm_q;
  logic [4:0] f_idx_q;
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      f_in_frame_q <= 1'b0;
      f_adm_q      <= 1'b0;
      f_idx_q      <= '0;
    end else if (s_axis_tvalid_i) begin
      f_in_frame_q <= !s_axis_tlast_i;
      if (!f_in_frame_q) f_adm_q <= take;
      if (s_axis_tlast_i)                 f_idx_q <= '0;
      else if (f_idx_q <= 5'(MaxBeats))   f_idx_q <= f_idx_q + 1'b1;
    end
  end

  logic f_adm_now;  // the arriving beat's frame is admitted
  assign f_adm_now = f_in_frame_q ? f_adm_q : take;

  // Beats inside, in order from the last: the ring's unread ones, the one read last clock,
  // the queue's, the output register's.
  logic [PtrW+1:0] f_inside;
  assign f_inside = (PtrW+2)'(used) + (PtrW+2)'(s1_valid_q) + (PtrW+2)'(ocount) +
                    (PtrW+2)'(out_valid_q);

  // One written beat, chosen by the solver, is followed to the output.
  (* anyseq *) logic f_pick;
  logic [1:0]      f_state_q;  // 0: not chosen yet, 1: inside, 2: left
  beat_t           f_beat_q;
  logic [PtrW+1:0] f_ahead_q;
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      f_state_q <= 2'd0;
    end else if (f_state_q == 2'd0) begin
      if (we && f_pick) begin
        f_state_q <= 2'd1;
        f_beat_q.data <= s_axis_tdata_i;  // what the wire offered, not the block's copy
        f_beat_q.keep <= s_axis_tkeep_i;
        f_beat_q.last <= s_axis_tlast_i;
        f_beat_q.user <= s_axis_tuser_i;
        f_ahead_q <= f_inside - (PtrW+2)'(f_pop);
      end
    end else if (f_state_q == 2'd1 && f_pop) begin
      if (f_ahead_q == '0) f_state_q <= 2'd2;
      else                 f_ahead_q <= f_ahead_q - 1'b1;
    end
  end

  // Frame ends admitted and not yet delivered; the drop the last beat of a refused frame owes.
  logic [PtrW+1:0] f_ends_q;
  logic          f_drop_due_q;
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      f_ends_q     <= '0;
      f_drop_due_q <= 1'b0;
    end else begin
      f_ends_q     <= f_ends_q + (PtrW+2)'(s_axis_tvalid_i && s_axis_tlast_i && f_adm_now)
                               - (PtrW+2)'(f_pop && m_axis_tlast_o);
      f_drop_due_q <= s_axis_tvalid_i && s_axis_tlast_i && !f_adm_now;
    end
  end

  always_comb begin
    if (rst_ni) begin
      // The wire is never held back.
      assert (s_axis_tready_o);
      assert (f_state_q != 2'd3);
      // Admission, at a frame's first beat only: a frame is taken only when its largest size
      // fits, and is taken whenever that size fits with the one clock of margin; its later
      // beats share its fate.
      if (s_axis_tvalid_i && !f_in_frame_q && take)
        assert (used + PtrW'(MaxBeats + 1) <= PtrW'(Depth));
      if (s_axis_tvalid_i && !f_in_frame_q && {1'b0, used} + (PtrW+1)'(Need + 1) <= (PtrW+1)'(Depth))
        assert (take);
      if (s_axis_tvalid_i && f_in_frame_q) assert (take == f_adm_q);
      // What is stored: every beat of an admitted frame up to MaxBeats and its last, nothing
      // of a refused one.
      assert (we == (s_axis_tvalid_i && f_adm_now && (f_idx_q < 5'(MaxBeats) || s_axis_tlast_i)));
      // No overflow: the ring never holds more than Depth beats, the queue is never pushed
      // when full.
      assert (used <= PtrW'(Depth));
      assert (!we || used != PtrW'(Depth));
      assert (!(q_push && ocount == ($clog2(ODepth)+1)'(ODepth)));
      // Every frame is delivered or counted: a refused frame's drop pulse comes the clock
      // after its last beat, and only then; a frame end leaves only for an admitted one.
      assert (drop_o == f_drop_due_q);
      assert (f_ends_q <= f_inside);
      if (f_pop && m_axis_tlast_o) assert (f_ends_q != '0);
      // The followed beat leaves as it came, after the beats ahead of it.
      if (f_state_q == 2'd1) assert (f_ahead_q < f_inside);
      if (f_state_q == 2'd1 && f_ahead_q == '0 && m_axis_tvalid_o) begin
        assert (m_axis_tdata_o[FData-1:0] == f_beat_q.data[FData-1:0]);
        assert (m_axis_tkeep_o[FKeep-1:0] == f_beat_q.keep[FKeep-1:0]);
        assert (m_axis_tlast_o == f_beat_q.last);
        assert (m_axis_tuser_o == f_beat_q.user);
      end
    end
  end

  // The output keeps the AXI4-Stream rules: valid and the beat hold until taken.
  always_ff @(posedge clk_i) begin
    if (f_past_q && $past(rst_ni) && rst_ni && $past(m_axis_tvalid_o && !m_axis_tready_i)) begin
      assert (m_axis_tvalid_o);
      assert ({m_axis_tdata_o[FData-1:0], m_axis_tkeep_o[FKeep-1:0], m_axis_tlast_o,
               m_axis_tuser_o} == $past({m_axis_tdata_o[FData-1:0], m_axis_tkeep_o[FKeep-1:0],
                                         m_axis_tlast_o, m_axis_tuser_o}));
    end
  end

  always_ff @(posedge clk_i) begin
    if (rst_ni) begin
      cover (drop_o && f_past_q && $past(f_pop));               // a frame dropped while one leaves
      cover (f_state_q == 2'd2 && f_beat_q.last);               // a followed frame end left
      cover (f_pop && m_axis_tlast_o && f_past_q && $past(drop_o));
      cover (f_pop && we && f_past_q && $past(f_pop && we));    // in and out at full rate
    end
  end
`endif

endmodule
