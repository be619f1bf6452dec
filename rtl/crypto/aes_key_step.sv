// One step of the AES key expansion (FIPS-197 section 5.2), producing the round key of
// round `Round` from the two round keys before it. Used in every pipeline stage so that
// the key travels with its block and may change on any clock.
//
//   AES-128: rk[r] = f(rk[r-1]),         RotWord+SubWord+Rcon[r] every round
//   AES-256: rk[r] = f(rk[r-2], rk[r-1]), RotWord+SubWord+Rcon[r/2] for even r,
//            SubWord alone for odd r (r >= 2: rk[1] is the second half of the key itself,
//            which the caller takes without a step).
module aes_key_step #(
  parameter int Round = 1  // 1..14; AES-256 from 2
) (
  input  logic         key256_i,
  input  logic [127:0] rk_prev2_i,  // rk[r-2] (AES-256 only)
  input  logic [127:0] rk_prev_i,   // rk[r-1]
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
  logic [31:0] b01, b012, b0123;

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
    // w[i] = w[i-4] ^ w[i-1] unrolled: word j is temp plus base words 0..j. The base's
    // prefix sums come first, so that they are ready (beside the S-box) when temp is, and
    // temp, the late input, goes through one XOR rather than a chain of four.
    b01   = base[127:96] ^ base[95:64];
    b012  = b01 ^ base[63:32];
    b0123 = b012 ^ base[31:0];
    rk_o  = {base[127:96] ^ temp, b01 ^ temp, b012 ^ temp, b0123 ^ temp};
  end

endmodule
