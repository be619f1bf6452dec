// 32 x 32 carry-less multiplication, the leaf of the GF(2^128) Karatsuba tree. Every
// partial product fits in 64 bits, which keeps the simulated model on native words.
//
// Four bits of b at a time: the sixteen multiples of a by a polynomial of degree < 4 are
// formed once, and each nibble of b selects one of them (eight shifted terms instead of 32).
// The same XOR network as one term per bit; the Verilated model does a third of the work.
module gf128_clmul32 (
  input  logic [31:0] a_i,
  input  logic [31:0] b_i,
  output logic [62:0] p_o
);

`ifdef SYNTHESIS
  // For synthesis each product bit is one XOR of its up to 32 terms, a balanced tree: the
  // running XOR below is a chain sixteen deep, and the mapper does not reshape XORs much.
  for (genvar i = 0; i < 63; i++) begin : gen_bit
    logic [31:0] t;
    for (genvar j = 0; j < 32; j++) begin : gen_term
      if (i - j >= 0 && i - j < 32) begin : gen_and
        assign t[j] = a_i[j] & b_i[i - j];
      end else begin : gen_zero
        assign t[j] = 1'b0;
      end
    end
    assign p_o[i] = ^t;
  end
`else
  logic [34:0] mult [16];  // a * m(x) for each m of degree < 4 (bit k of m: x^k)

  always_comb begin
    mult[0] = '0;
    mult[1] = {3'b0, a_i};
    for (int m = 2; m < 16; m += 2) begin
      mult[m]     = {mult[m / 2][33:0], 1'b0};   // a * (m/2) * x
      mult[m + 1] = mult[m] ^ mult[1];           // plus a
    end
  end

  always_comb begin
    p_o = '0;
    for (int i = 0; i < 8; i++) begin
      p_o = p_o ^ ({28'b0, mult[b_i[4*i +: 4]]} << (4*i));
    end
  end
`endif

endmodule
