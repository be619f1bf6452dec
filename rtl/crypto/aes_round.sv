// One AES encryption round (FIPS-197 section 5.1): SubBytes, ShiftRows, MixColumns
// (skipped in the final round), AddRoundKey. Purely combinational.
//
// Block layout: FIPS byte order, input byte 0 in bits [127:120]; byte b = r + 4c holds
// state row r, column c.
module aes_round (
  input  logic [127:0] state_i,
  input  logic [127:0] round_key_i,
  input  logic         final_i,      // last round: no MixColumns
  output logic [127:0] state_o
);

  // MixColumns of one column (section 5.1.3), on the whole 32-bit word at once: with
  // r1, r2, r3 the column rotated by one, two and three bytes,
  //   out = xtime(col ^ r1) ^ r1 ^ r2 ^ r3
  // (2a0^3a1^a2^a3, a0^2a1^3a2^a3, ... byte by byte), xtime applied to all four bytes.
  function automatic logic [31:0] mix_column(input logic [31:0] col);
    logic [31:0] r1, r2, r3, t, hi;
    r1 = {col[23:0], col[31:24]};
    r2 = {col[15:0], col[31:16]};
    r3 = {col[7:0],  col[31:8]};
    t  = col ^ r1;
    hi = (t >> 7) & 32'h01010101;  // the bytes whose top bit reduces by 0x1b
    mix_column = ((t << 1) & 32'hfefefefe) ^ (hi << 4) ^ (hi << 3) ^ (hi << 1) ^ hi
                 ^ r1 ^ r2 ^ r3;
  endfunction

  // SubBytes (section 5.1.1): one S-box per byte, each output a signal of its own.
  for (genvar b = 0; b < 16; b++) begin : gen_sbox
    logic [7:0] s;
    aes_sbox u_sbox (
      .data_i (state_i[127 - 8*b -: 8]),
      .sbox_o (s)
    );
  end

  // ShiftRows (section 5.1.2): row r of column c takes row r of column (c + r) mod 4; then
  // MixColumns (skipped in the final round) and AddRoundKey, column by column.
  for (genvar c = 0; c < 4; c++) begin : gen_col
    logic [31:0] shifted;
    assign shifted = {gen_sbox[0 + 4*c].s,
                      gen_sbox[1 + 4*((c + 1) % 4)].s,
                      gen_sbox[2 + 4*((c + 2) % 4)].s,
                      gen_sbox[3 + 4*((c + 3) % 4)].s};
    assign state_o[127 - 32*c -: 32] = (final_i ? shifted : mix_column(shifted))
                                       ^ round_key_i[127 - 32*c -: 32];
  end

endmodule
