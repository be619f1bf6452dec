// 64 x 64 carry-less multiplication by one level of Karatsuba over 32-bit halves.
module gf128_clmul64 (
  input  logic [63:0]  a_i,
  input  logic [63:0]  b_i,
  output logic [126:0] p_o
);

  logic [62:0] p_hi, p_lo, p_mid;

  gf128_clmul32 u_hi  (.a_i(a_i[63:32]), .b_i(b_i[63:32]), .p_o(p_hi));
  gf128_clmul32 u_lo  (.a_i(a_i[31:0]),  .b_i(b_i[31:0]),  .p_o(p_lo));
  gf128_clmul32 u_mid (.a_i(a_i[63:32] ^ a_i[31:0]), .b_i(b_i[63:32] ^ b_i[31:0]), .p_o(p_mid));

  logic [62:0] p_cross;
  assign p_cross = p_mid ^ p_hi ^ p_lo;
  assign p_o = {p_hi, 64'b0} ^ {32'b0, p_cross, 32'b0} ^ {64'b0, p_lo};

endmodule
