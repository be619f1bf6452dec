// A stand-in for rtl/crypto/gf128_clmul32.sv in the ghash proof: the same ports, the product
// left free (any value, on every clock). A property proven with it holds for every multiplier,
// so the proof is about the data path's plumbing, not about GF(2^128) arithmetic (a full
// 128-bit carry-less product is beyond the solver).
module gf128_clmul32 (
  input  logic [31:0] a_i,
  input  logic [31:0] b_i,
  output logic [62:0] p_o
);
  (* anyseq *) logic [62:0] f_p;
  assign p_o = f_p;
endmodule
