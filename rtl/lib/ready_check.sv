// A port that must never back-pressure, for simulation with assertions enabled (the checking
// build defines IPSEC_ASSERTIONS): out of reset, ready is 1 on every clock. The wire RX input
// is such a port: a MAC's receive side cannot wait (docs/architecture.md, "RX ingress").
// Nothing here is synthesized.
module ready_check #(
  parameter Name = "port"  // for messages
) (
  input logic clk_i,
  input logic rst_ni,
  input logic ready_i
);

`ifdef IPSEC_ASSERTIONS
  // Out of reset only (the reset branch is empty: rst_ni stays an asynchronous reset alone).
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
    end else begin
      assert (ready_i) else $error("%s: ready low: the port back-pressured", Name);
    end
  end
`endif

endmodule
