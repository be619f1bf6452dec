// One step of the AES key expansion (FIPS-197 section 5.2), producing the round key of
// round `Round` from the two round keys before it. Used in every pipeline stage so that
// the key travels with its block and may change on any clock.
//
//   AES-128: rk[r] = f(rk[r-1]),         RotWord+SubWord+Rcon[r] every round
//   AES-256: rk[r] = f(rk[r-2], rk[r-1]), RotWord+SubWord+Rcon[r/2] for even r,
//            SubWord alone for odd r; rk[1] is the second half of the key itself.
module aes_key_step #(
  parameter int Round = 1  // 1..14
) (
  input  logic         key256_i,
  input  logic [127:0] rk_prev2_i,  // rk[r-2] (AES-256 only)
  input  logic [127:0] rk_prev_i,   // rk[r-1]; for AES-256 at round 1: rk[1] itself
  output logic [127:0] rk_o
);

  function automatic logic [7:0] rcon(input int i);
    logic [7:0] r;
    r = 8'h01;
    for (int k = 1; k < i; k++) r = {r[6:0], 1'b0} ^ (r[7] ? 8'h1b : 8'h00);
    rcon = r;
  endfunction

  localparam logic [7:0] Rcon128 = rcon(Round);
  localparam logic [7:0] Rcon256 = rcon(Round / 2);

  logic [31:0] sub_word;
  logic [31:0] temp;
  logic [127:0] base;
  logic [31:0] w0, w1, w2, w3;

  for (genvar b = 0; b < 4; b++) begin : gen_sbox
    aes_sbox u_sbox (
      .data_i (rk_prev_i[31 - 8*b -: 8]),
      .sbox_o (sub_word[31 - 8*b -: 8])
    );
  end

  always_comb begin
    // RotWord after SubWord equals SubWord after RotWord: both act bytewise.
    if (!key256_i) begin
      temp = {sub_word[23:0], sub_word[31:24]} ^ {Rcon128, 24'h0};
      base = rk_prev_i;
    end else if (Round % 2 == 0) begin
      temp = {sub_word[23:0], sub_word[31:24]} ^ {Rcon256, 24'h0};
      base = rk_prev2_i;
    end else begin
      temp = sub_word;
      base = rk_prev2_i;
    end
    w0 = base[127:96] ^ temp;
    w1 = base[95:64]  ^ w0;
    w2 = base[63:32]  ^ w1;
    w3 = base[31:0]   ^ w2;
    rk_o = (key256_i && Round == 1) ? rk_prev_i : {w0, w1, w2, w3};
  end

endmodule
