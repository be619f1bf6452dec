// 32 x 32 carry-less multiplication, the leaf of the GF(2^128) Karatsuba tree. Every
// partial product fits in 64 bits, which keeps the simulated model on native words.
module gf128_clmul32 (
  input  logic [31:0] a_i,
  input  logic [31:0] b_i,
  output logic [62:0] p_o
);

  always_comb begin
    p_o = '0;
    for (int i = 0; i < 32; i++) begin
      p_o = p_o ^ ({63{b_i[i]}} & ({31'b0, a_i} << i));
    end
  end

endmodule
