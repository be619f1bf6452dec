// First-word-fall-through FIFO, one clock. `almost_full_o` is a function of registers
// only (count >= Depth - 1): a producer that pushes at most once per clock may use it as
// its stall condition without a combinational path from the consumer.
module sync_fifo #(
  parameter int Width = 8,
  parameter int Depth = 8   // a power of two
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
  logic             do_push, do_pop;

  assign do_push = push_i && !full_o;
  assign do_pop  = pop_i && !empty_o;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      wr_q    <= '0;
      rd_q    <= '0;
      count_q <= '0;
    end else begin
      if (do_push) wr_q <= wr_q + AddrW'(1);
      if (do_pop)  rd_q <= rd_q + AddrW'(1);
      count_q <= count_q + (AddrW+1)'(do_push) - (AddrW+1)'(do_pop);
    end
  end

  always_ff @(posedge clk_i) begin
    if (do_push) mem_q[wr_q] <= data_i;
  end

  assign data_o        = mem_q[rd_q];
  assign empty_o       = count_q == '0;
  assign full_o        = count_q == (AddrW+1)'(Depth);
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
    end
  end
`endif

endmodule
