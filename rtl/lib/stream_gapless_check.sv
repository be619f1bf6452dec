// Checks that a stream never underruns inside a frame, for simulation with assertions
// enabled (the checking build defines IPSEC_ASSERTIONS): once a frame's first beat has been
// taken, valid stays high on every clock until its last beat is taken. The sink may still
// hold ready low; the source may idle only between frames. A transmit MAC needs this: it
// cannot pause a frame it has begun sending on the line.
// Nothing here is synthesized.
module stream_gapless_check #(
  parameter Name = "stream"  // for messages
) (
  input logic clk_i,
  input logic rst_ni,
  input logic valid_i,
  input logic ready_i,
  input logic last_i
);

`ifdef IPSEC_ASSERTIONS
  logic inside_q;  // a frame has begun and its last beat is not yet taken

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni)                 inside_q <= 1'b0;
    else if (valid_i && ready_i) inside_q <= !last_i;
  end

  // Out of reset only (the reset branch is empty: rst_ni stays an asynchronous reset alone).
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
    end else if (inside_q) begin
      assert (valid_i) else $error("%s: valid low inside a frame (underrun)", Name);
    end
  end
`endif

endmodule
