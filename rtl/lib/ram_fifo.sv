// First-word-fall-through FIFO in block RAM, for a queue above 4 kbit (docs/fpga.md): a ring
// in `sdp_ram` (one write port, one read port, synchronous read) read ahead into a queue of
// four entries the consumer takes from. The consumer's pop, and whatever it decides from the
// head, see only that small queue (a two-bit pointer and a LUTRAM read), never the ring's
// pointers or the block RAM.
//
// Capacity: Depth entries in all (`count_o` counts every entry pushed and not popped,
// wherever it is); the user pushes only while count_o < Depth. Rate: one push and one pop
// per clock. Latency: an entry pushed into an empty FIFO is at the output two clocks later
// than in a `sync_fifo` (written, read, into the small queue).
module ram_fifo #(
  parameter int Width = 8,
  parameter int Depth = 64   // a power of two, at least 8
) (
  input  logic                   clk_i,
  input  logic                   rst_ni,

  input  logic                   push_i,
  input  logic [Width-1:0]       data_i,
  input  logic                   pop_i,
  output logic [Width-1:0]       data_o,

  output logic                   empty_o,
  output logic [$clog2(Depth):0] count_o
);

  localparam int AddrW = $clog2(Depth);
  localparam int OutQ  = 4;
  localparam int OutW  = $clog2(OutQ) + 1;

  logic [AddrW:0]   wr_q, rd_q, count_q;  // ring pointers with a wrap bit; entries in all
  logic             issue, rvalid_q, do_pop, oq_empty;
  logic [Width-1:0] rdata;
  logic [OutW-1:0]  oq_count;

  sdp_ram #(.Width(Width), .Depth(Depth)) u_ram (
    .clk_i,
    .we_i (push_i), .waddr_i (wr_q[AddrW-1:0]), .wdata_i (data_i),
    .re_i (issue), .raddr_i (rd_q[AddrW-1:0]), .rdata_o (rdata)
  );

  // A read is issued while the ring holds an entry and the small queue has room for it
  // behind the one already read: count + in flight <= OutQ - 2 keeps one read per clock
  // while the consumer takes one per clock.
  assign issue  = rd_q != wr_q && oq_count + OutW'(rvalid_q) <= OutW'(OutQ - 2);
  assign do_pop = pop_i && !oq_empty;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      wr_q     <= '0;
      rd_q     <= '0;
      count_q  <= '0;
      rvalid_q <= 1'b0;
    end else begin
      if (push_i) wr_q <= wr_q + 1'b1;
      if (issue)  rd_q <= rd_q + 1'b1;
      rvalid_q <= issue;
      count_q  <= count_q + (AddrW+1)'(push_i) - (AddrW+1)'(do_pop);
    end
  end

  sync_fifo #(.Width(Width), .Depth(OutQ)) u_headq (
    .clk_i, .rst_ni,
    .push_i (rvalid_q), .data_i (rdata),
    .pop_i  (do_pop), .data_o (data_o),
    .empty_o (oq_empty), .full_o (), .almost_full_o (), .count_o (oq_count)
  );

  assign empty_o = oq_empty;
  assign count_o = count_q;

`ifdef IPSEC_ASSERTIONS
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
    end else begin
      assert (!(push_i && count_q == (AddrW+1)'(Depth))) else $error("%m: push into a full FIFO (entry lost)");
      assert (!(pop_i && oq_empty)) else $error("%m: pop of an empty FIFO");
    end
  end
`endif

endmodule
