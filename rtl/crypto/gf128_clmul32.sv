// 32 x 32 carry-less multiplication, the leaf of the GF(2^128) Karatsuba tree. Every
// partial product fits in 64 bits, which keeps the simulated model on native words.
//
// Two bits of b at a time: the four multiples of a by a polynomial of degree < 2 are formed
// once, and each pair of bits selects one of them (sixteen shifted terms instead of 32).
// The same XOR network as one term per bit; the Verilated model does half the work.
module gf128_clmul32 (
  input  logic [31:0] a_i,
  input  logic [31:0] b_i,
  output logic [62:0] p_o
);

  logic [33:0] mult [4];  // a * 0, a * 1, a * x, a * (x + 1)

  always_comb begin
    mult[0] = '0;
    mult[1] = {2'b0, a_i};
    mult[2] = {1'b0, a_i, 1'b0};
    mult[3] = {2'b0, a_i} ^ {1'b0, a_i, 1'b0};
  end

  always_comb begin
    p_o = '0;
    for (int i = 0; i < 16; i++) begin
      p_o = p_o ^ ({29'b0, mult[b_i[2*i +: 2]]} << (2*i));
    end
  end

endmodule
