// Frame accounting checks for one direction of the engine (contract section 4), for
// simulation with assertions enabled (the checking build defines IPSEC_ASSERTIONS):
//
// - a frame has one fate: at most one of out, bypass, drop, auth_fail pulses per clock;
// - `in` counts frames matched to an SA: it pulses only with the frame's fate, never with
//   bypass on RX (dec_in = dec_out + dec_auth_fail + matched drops), and every frame that
//   left encrypted or decrypted (out) or failed its ICV was counted in. With InApart (TX
//   with packet offload, esp_tx's PktOffload) a packet frame's enc_in may come apart from
//   its fate: a sent one's enc_out waits for its lifetime verdict, and a refused one's
//   enc_drop may come first, and two frames' fates may fall in one clock; then the frames
//   counted out never outnumber those counted in, and those counted in lead the fates by
//   at most MaxInFlight;
// - no fate without a frame, and no frame forgotten: the frames taken in (last beats
//   accepted on the input port) lead the fates by 0 to MaxInFlight;
// - no frame leaves without a fate. TX: the frames leaving without tuser are exactly the
//   out and bypass fates, behind them by 0 to MaxInFlight (a frame with tuser is a drop the
//   MAC discards). RX: a frame may leave with any fate (bad frames are forwarded under the
//   debug bit), so the frames out never outnumber the fates.
// - RX: a frame refused whole at the ingress FIFO (cnt_refused_i) is a drop fate of its own,
//   beside those above; it may come in the same clock as another frame's fate.
//
// A reset clears the tallies with the engine's state: frames inside at a reset are lost on
// both sides alike. Nothing here is synthesized.
module frame_count_check #(
  parameter int MaxInFlight = 128,
  parameter bit InApart     = 1'b0,  // TX with packet offload: in may pulse apart from its fate
  parameter     Name        = "direction"  // for messages
) (
  input logic clk_i,
  input logic rst_ni,
  input logic rx_i,         // 1: the decrypt direction's rules
  input logic in_last_i,    // a frame's last beat accepted on the input port
  input logic out_last_i,   // a frame's last beat accepted on the output port
  input logic out_user_i,   // ... with tuser
  input logic cnt_in_i,
  input logic cnt_out_i,
  input logic cnt_bypass_i,
  input logic cnt_drop_i,
  input logic cnt_auth_i,   // 0 for TX
  input logic cnt_refused_i // RX: a frame dropped at the ingress FIFO; 0 for TX
);

`ifdef IPSEC_ASSERTIONS
  // Running totals; differences are taken modulo 2^32.
  logic [31:0] taken_q, fated_q, leaving_q, left_q, in_q, out_q;
  logic [31:0] taken_n, fated_n, leaving_n, left_n, in_n, out_n;
  logic        fate, left;
  logic [2:0]  fates, leaving;  // this clock's fates, and those that leave the engine

  assign fate    = cnt_out_i || cnt_bypass_i || cnt_drop_i || cnt_auth_i;
  assign fates   = 3'(cnt_out_i) + 3'(cnt_bypass_i) + 3'(cnt_drop_i) + 3'(cnt_auth_i);
  assign leaving = rx_i ? fates : 3'(cnt_out_i) + 3'(cnt_bypass_i);
  assign left    = out_last_i && (rx_i || !out_user_i);
  assign taken_n   = taken_q + 32'(in_last_i);
  assign fated_n   = fated_q + 32'(fates) + 32'(cnt_refused_i);
  assign leaving_n = leaving_q + 32'(leaving);
  assign left_n    = left_q + 32'(left);
  assign in_n      = in_q + 32'(cnt_in_i);
  assign out_n     = out_q + 32'(cnt_out_i);

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      taken_q   <= '0;
      fated_q   <= '0;
      leaving_q <= '0;
      left_q    <= '0;
      in_q      <= '0;
      out_q     <= '0;
    end else begin
      taken_q   <= taken_n;
      fated_q   <= fated_n;
      leaving_q <= leaving_n;
      left_q    <= left_n;
      in_q      <= in_n;
      out_q     <= out_n;
    end
  end

  // Out of reset only (the reset branch is empty: rst_ni stays an asynchronous reset alone).
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
    end else begin
      assert (InApart || $onehot0({cnt_out_i, cnt_bypass_i, cnt_drop_i, cnt_auth_i}))
        else $error("%s: two fates for one frame in one clock", Name);
      if (InApart) begin
        assert (in_n - out_n <= 32'h7fff_ffff) else $error("%s: more out than in", Name);
        assert ($signed(in_n - fated_n) <= $signed(32'(MaxInFlight)))
          else $error("%s: more frames counted in than fates and frames inside", Name);
      end else begin
        assert (!cnt_in_i || fate) else $error("%s: counted in without a fate", Name);
        assert (!cnt_out_i || cnt_in_i) else $error("%s: out without in", Name);
      end
      assert (!cnt_auth_i || cnt_in_i) else $error("%s: auth_fail without in", Name);
      assert (!(rx_i && cnt_in_i && cnt_bypass_i)) else $error("%s: a matched frame bypassed", Name);
      assert (taken_n - fated_n <= 32'(MaxInFlight))
        else $error("%s: %0d frames taken in, %0d fates: a fate without a frame, or a frame lost",
                    Name, taken_n, fated_n);
      assert (leaving_n - left_n <= (rx_i ? 32'h7fff_ffff : 32'(MaxInFlight)))
        else $error("%s: %0d frames left, %0d fates that leave: a frame out without its fate",
                    Name, left_n, leaving_n);
    end
  end
`endif

endmodule
