// Multiplication in GF(2^128) as GCM defines it (NIST SP 800-38D section 6.3), in one
// clock: a two-level Karatsuba tree of nine 32 x 32 carry-less products, then reduction
// modulo P(x) = x^128 + x^7 + x^2 + x + 1.
//
// Operands are in GCM's bit order: bit 127 is the coefficient of x^0, bit 0 that of x^127
// (block byte 0 in [127:120], most significant bit first). The carry-less product of two
// such vectors, taken as plain integers, is the polynomial product with its bits reflected
// the same way, so no bit reversal is needed; the reduction shifts right instead of left.
module gf128_mul (
  input  logic [127:0] a_i,
  input  logic [127:0] b_i,
  output logic [127:0] p_o
);

  // 64 x 64 products by Karatsuba: hi*hi, lo*lo, (hi^lo)*(hi^lo).
  logic [63:0] a_hi, a_lo, a_mid, b_hi, b_lo, b_mid;
  assign a_hi  = a_i[127:64];
  assign a_lo  = a_i[63:0];
  assign a_mid = a_hi ^ a_lo;
  assign b_hi  = b_i[127:64];
  assign b_lo  = b_i[63:0];
  assign b_mid = b_hi ^ b_lo;

  logic [126:0] p_hi, p_lo, p_mid;

  gf128_clmul64 u_hi  (.a_i(a_hi),  .b_i(b_hi),  .p_o(p_hi));
  gf128_clmul64 u_lo  (.a_i(a_lo),  .b_i(b_lo),  .p_o(p_lo));
  gf128_clmul64 u_mid (.a_i(a_mid), .b_i(b_mid), .p_o(p_mid));

  // Full product, 255 bits, as V = {product, 1'b0}: V bit (255 - d) holds x^d.
  logic [126:0] p_cross;
  logic [255:0] v;
  assign p_cross = p_mid ^ p_hi ^ p_lo;
  assign v = {p_hi, 129'b0} ^ {64'b0, p_cross, 65'b0} ^ {128'b0, p_lo, 1'b0};

  // V[255:128] holds x^0..x^127, V[127:0] holds H = x^128..x^255 (shifted down by 128).
  // x^128 = x^7 + x^2 + x + 1, so H * x^128 = H + H*x + H*x^2 + H*x^7: in reflected order
  // a multiplication by x is a shift right. E holds that sum over 135 bits; its last 7 bits
  // (x^128..x^134) are folded once more.
  logic [127:0] h;
  logic [134:0] e;
  logic [6:0]   g;
  logic [127:0] fold;
  assign h    = v[127:0];
  assign e    = {h, 7'b0} ^ {1'b0, h, 6'b0} ^ {2'b0, h, 5'b0} ^ {7'b0, h};
  assign g    = e[6:0];
  assign fold = {g, 121'b0} ^ {1'b0, g, 120'b0} ^ {2'b0, g, 119'b0} ^ {7'b0, g, 114'b0};
  assign p_o  = v[255:128] ^ e[134:7] ^ fold;

endmodule
