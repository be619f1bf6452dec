// One stage of the AES key expansion (FIPS-197 section 5.2) in the pipe, for either key
// size: the round key a key stage holds, from the round keys of the stage before it. Used in
// every pipeline stage so that the key travels with its block and may change on any clock.
//
//   AES-256: rk[r] = f(rk[r-2], rk[r-1]) with r = `Round256`: RotWord+SubWord+Rcon[r/2]
//            for even r, SubWord alone for odd r (r >= 2: rk[1] is the second half of the
//            key itself, which the pipe takes without a step).
//   AES-128: rk[r] = f(rk[r-1]) with r = `Round128`, RotWord+SubWord+Rcon[r] every round;
//            `Round128` 0 passes rk[r-1] through (the stages an AES-128 block skips).
module aes_key_step #(
  parameter int Round256 = 2,  // 2..14
  parameter int Round128 = 0   // 1..10, or 0: pass through
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

  localparam logic [7:0] Rcon128 = rcon(Round128);
  localparam logic [7:0] Rcon256 = rcon(Round256 / 2);

  logic [31:0]  sub_word, rot_word;
  logic [31:0]  temp;
  logic [127:0] base;
  logic [31:0]  b01, b012, b0123;
  logic [127:0] step;

  for (genvar b = 0; b < 4; b++) begin : gen_sbox
    aes_sbox u_sbox (
      .data_i (rk_prev_i[31 - 8*b -: 8]),
      .sbox_o (sub_word[31 - 8*b -: 8])
    );
  end

  // RotWord after SubWord equals SubWord after RotWord: both act bytewise.
  assign rot_word = {sub_word[23:0], sub_word[31:24]};

  always_comb begin
    // A pass-through stage (Round128 0) never uses the step for AES-128: the step is then
    // AES-256's alone, with no choice by key size in front of it.
    if (Round128 != 0 && !key256_i) begin
      temp = rot_word ^ {Rcon128, 24'h0};
      base = rk_prev_i;
    end else if (Round256 % 2 == 0) begin
      temp = rot_word ^ {Rcon256, 24'h0};
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
    step  = {base[127:96] ^ temp, b01 ^ temp, b012 ^ temp, b0123 ^ temp};
    rk_o  = (!key256_i && Round128 == 0) ? rk_prev_i : step;
  end

endmodule
