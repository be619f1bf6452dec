// AXI4-Stream protocol checks for one interface, for simulation with assertions enabled
// (the checking build defines IPSEC_ASSERTIONS and runs Verilator with --assert): once valid is high without ready, valid stays
// high and the beat does not change until it is taken (AMBA AXI4-Stream, section 2.2.1).
// Nothing here is synthesized.
module stream_check #(
  parameter int DataW = 128,
  parameter      Name  = "stream"  // for messages
) (
  input logic             clk_i,
  input logic             rst_ni,
  input logic             valid_i,
  input logic             ready_i,
  input logic [DataW-1:0] beat_i   // every payload signal of the port, concatenated
);

`ifdef IPSEC_ASSERTIONS
  logic             stalled_q;
  logic [DataW-1:0] beat_q;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) stalled_q <= 1'b0;
    else         stalled_q <= valid_i && !ready_i;
  end

  always_ff @(posedge clk_i) beat_q <= beat_i;

  // Out of reset only (the reset branch is empty: rst_ni stays an asynchronous reset alone).
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
    end else if (stalled_q) begin
      assert (valid_i) else $error("%s: valid dropped before the beat was taken", Name);
      assert (beat_i == beat_q) else $error("%s: beat changed while stalled", Name);
    end
  end
`endif

endmodule
