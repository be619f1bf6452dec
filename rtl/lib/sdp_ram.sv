// Simple dual-port RAM: one write port, one read port, registered read (the data of the
// address read at a clock edge appears after that edge). No reset: a block RAM on an FPGA.
// A read of the address written on the same edge returns the old data.
module sdp_ram #(
  parameter int Width = 8,
  parameter int Depth = 256   // a power of two
) (
  input  logic                     clk_i,

  input  logic                     we_i,
  input  logic [$clog2(Depth)-1:0] waddr_i,
  input  logic [Width-1:0]         wdata_i,

  input  logic                     re_i,
  input  logic [$clog2(Depth)-1:0] raddr_i,
  output logic [Width-1:0]         rdata_o
);

  // Block RAM whatever the depth: a shallow, wide queue (ram_fifo) would otherwise be
  // mapped to LUTRAM, the cheaper home by Yosys's count and a worse one by ours
  // (docs/fpga.md, memories above 4 kbit).
  (* ram_style = "block" *) logic [Width-1:0] mem_q [Depth];
  logic [Width-1:0] rdata_q;

  always_ff @(posedge clk_i) begin
    if (we_i) mem_q[waddr_i] <= wdata_i;
  end

  always_ff @(posedge clk_i) begin
    if (re_i) rdata_q <= mem_q[raddr_i];
  end

  assign rdata_o = rdata_q;

endmodule
