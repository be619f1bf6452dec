// First-word-fall-through FIFO, one clock. `almost_full_o` is a function of registers
// only (count >= Depth - 1): a producer that pushes at most once per clock may use it as
// its stall condition without a combinational path from the consumer.
//
// Scrub (for entries that carry key material): an entry popped is zeroed on the next clock
// without a push, through the one write port, the oldest popped entry first; after reset
// every entry counts as popped, so Depth clocks without a push zero the whole memory. A
// push that finds no clean entry free writes over the oldest popped one instead. So once a
// FIFO has been empty for Depth clocks, nothing that passed through it is left.
module sync_fifo #(
  parameter int Width = 8,
  parameter int Depth = 8,  // a power of two
  parameter bit Scrub = 1'b0
) (
  input  logic             clk_i,
  input  logic             rst_ni,

  input  logic             push_i,
  input  logic [Width-1:0] data_i,
  input  logic             pop_i,
  output logic [Width-1:0] data_o,

  output logic             empty_o,
  output logic             full_o,
  output logic             almost_full_o,
  output logic [$clog2(Depth):0] count_o
);

  localparam int AddrW = $clog2(Depth);

  logic [Width-1:0] mem_q [Depth];
  logic [AddrW-1:0] wr_q, rd_q;
  logic [AddrW:0]   count_q;
  logic             empty_q, full_q;  // count_q == 0, count_q == Depth, kept as registers
  logic             do_push, do_pop;

  assign do_push = push_i && !full_o;
  assign do_pop  = pop_i && !empty_o;

  // The count's next value (count_step: the push and the pop in its last LUT only).
  logic [AddrW:0] count_d;
  count_step #(.Width(AddrW + 1)) u_count (
    .x_i (count_q), .up_i (do_push), .down_i (do_pop), .y_o (count_d)
  );

  // Empty and full are registers, so that a consumer's decision on the head (and a
  // producer's on the room) starts at a flip-flop rather than at a compare of the count.
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      wr_q    <= '0;
      rd_q    <= '0;
      count_q <= '0;
      empty_q <= 1'b1;
      full_q  <= 1'b0;
    end else begin
      if (do_push) wr_q <= wr_q + AddrW'(1);
      if (do_pop)  rd_q <= rd_q + AddrW'(1);
      count_q <= count_d;
      empty_q <= !do_push && (empty_q || (do_pop && count_q == (AddrW+1)'(1)));
      full_q  <= !do_pop && (full_q || (do_push && count_q == (AddrW+1)'(Depth - 1)));
    end
  end

  if (Scrub) begin : gen_scrub
    // Popped entries not yet zeroed: the stale_q entries before rd_q, from clr_q on.
    logic [AddrW-1:0] clr_q;
    logic [AddrW:0]   stale_q;
    logic             clear, overwrite;
    logic [AddrW:0]   stale_d;

    count_step #(.Width(AddrW + 1)) u_stale (
      .x_i (stale_q), .up_i (do_pop), .down_i (clear || overwrite), .y_o (stale_d)
    );

    assign clear     = !do_push && stale_q != '0;
    assign overwrite = do_push && stale_q != '0 && wr_q == clr_q;  // every entry in use or stale

    always_ff @(posedge clk_i or negedge rst_ni) begin
      if (!rst_ni) begin
        clr_q   <= '0;
        stale_q <= (AddrW+1)'(Depth);  // what the memory held before the reset
      end else begin
        if (clear || overwrite) clr_q <= clr_q + AddrW'(1);
        stale_q <= stale_d;
      end
    end

    // The write's address and data chosen by push_i alone, not by do_push: a push into a
    // full FIFO writes nothing either way (when full, no entry is stale, so no clear), and
    // the choice leaves !full out of the path from the data into the memory.
    always_ff @(posedge clk_i) begin
      if (do_push || clear) mem_q[push_i ? wr_q : clr_q] <= push_i ? data_i : '0;
    end

`ifdef IPSEC_ASSERTIONS
    logic [AddrW+1:0] held;
    assign held = {1'b0, count_q} + {1'b0, stale_q};
    always_ff @(posedge clk_i or negedge rst_ni) begin
      if (!rst_ni) begin
      end else begin
        assert (held <= (AddrW+2)'(Depth)) else $error("%m: entries in use and stale exceed Depth");
        assert (clr_q + stale_q[AddrW-1:0] == rd_q) else $error("%m: stale entries not just before the head");
      end
    end
`endif
  end else begin : gen_plain
    always_ff @(posedge clk_i) begin
      if (do_push) mem_q[wr_q] <= data_i;
    end
  end

  assign data_o        = mem_q[rd_q];
  assign empty_o       = empty_q;
  assign full_o        = full_q;
  assign almost_full_o = count_q >= (AddrW+1)'(Depth - 1);
  assign count_o       = count_q;

`ifdef IPSEC_ASSERTIONS
  // Every user stalls on almost_full_o and pops only what is there: a push into a full
  // queue would lose an entry, a pop of an empty one would invent one.
  // Checked out of reset only: asserted in the reset branch's else, so that rst_ni stays
  // an asynchronous reset alone (Verilator SYNCASYNCNET).
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
    end else begin
      assert (!(push_i && full_o)) else $error("%m: push into a full FIFO (entry lost)");
      assert (!(pop_i && empty_o)) else $error("%m: pop of an empty FIFO");
      assert (empty_q == (count_q == '0) && full_q == (count_q == (AddrW+1)'(Depth)))
        else $error("%m: empty or full flag disagrees with the count");
    end
  end
`endif

`ifdef FORMAL
  // Formal properties (make formal, docs/formal.md): no entry lost, none duplicated, order
  // kept. As the proof's top (FORMAL_SYNC_FIFO) the users are assumed to keep the rules the
  // assertions above check: no push into a full FIFO, no pop of an empty one.
`ifdef FORMAL_SYNC_FIFO
  initial assume (!rst_ni);
  always_comb begin
    if (rst_ni) begin
      assume (!(push_i && full_o));
      assume (!(pop_i && empty_o));
    end
  end
`endif

  // One pushed entry, chosen by the solver (any of them), is followed: the entries ahead of
  // it are counted down as they pop, and when none is left it must be the one at the output.
  (* anyseq *) logic f_pick;
  logic [1:0]       f_state_q;  // 0: not chosen yet, 1: inside, 2: left
  logic [Width-1:0] f_data_q;
  logic [AddrW-1:0] f_slot_q;
  logic [AddrW:0]   f_ahead_q;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      f_state_q <= 2'd0;
    end else if (f_state_q == 2'd0) begin
      if (do_push && f_pick) begin
        f_state_q <= 2'd1;
        f_data_q  <= data_i;
        f_slot_q  <= wr_q;
        f_ahead_q <= count_q - (AddrW+1)'(do_pop);
      end
    end else if (f_state_q == 2'd1 && do_pop) begin
      if (f_ahead_q == '0) f_state_q <= 2'd2;
      else                 f_ahead_q <= f_ahead_q - 1'b1;
    end
  end

  always_comb begin
    if (rst_ni) begin
      // The pointers and the count agree, and the count stays in range.
      assert (count_q <= (AddrW+1)'(Depth));
      assert (wr_q == rd_q + count_q[AddrW-1:0]);
      assert (empty_o == (count_q == '0));
      assert (full_o == (count_q == (AddrW+1)'(Depth)));
      assert (f_state_q != 2'd3);
      if (f_state_q == 2'd1) begin
        // The followed entry is still stored where it was written, f_ahead_q entries after
        // the head: nothing overwrote it, nothing popped it early.
        assert (f_ahead_q < count_q);
        assert (f_slot_q == rd_q + f_ahead_q[AddrW-1:0]);
        assert (mem_q[f_slot_q] == f_data_q);
        // At the head it is what the FIFO shows (first word falls through).
        if (f_ahead_q == '0) assert (data_o == f_data_q);
      end
    end
  end

  // The FIFO can fill and drain again.
  always_ff @(posedge clk_i) begin
    if (rst_ni) begin
      cover (full_o);
      cover (f_state_q == 2'd2 && empty_o);
    end
  end
`endif

endmodule
