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

  function automatic logic [7:0] xtime(input logic [7:0] b);
    xtime = {b[6:0], 1'b0} ^ (b[7] ? 8'h1b : 8'h00);
  endfunction

  function automatic logic [31:0] mix_column(input logic [31:0] col);
    logic [7:0] a0, a1, a2, a3;
    a0 = col[31:24];
    a1 = col[23:16];
    a2 = col[15:8];
    a3 = col[7:0];
    // 2a0^3a1^a2^a3, a0^2a1^3a2^a3, a0^a1^2a2^3a3, 3a0^a1^a2^2a3 (section 5.1.3)
    mix_column = {xtime(a0 ^ a1) ^ a1 ^ a2 ^ a3,
            xtime(a1 ^ a2) ^ a2 ^ a3 ^ a0,
            xtime(a2 ^ a3) ^ a3 ^ a0 ^ a1,
            xtime(a3 ^ a0) ^ a0 ^ a1 ^ a2};
  endfunction

  logic [127:0] sub_bytes;
  logic [127:0] shift_rows;
  logic [127:0] mix_columns;

  for (genvar b = 0; b < 16; b++) begin : gen_sbox
    aes_sbox u_sbox (
      .data_i (state_i[127 - 8*b -: 8]),
      .sbox_o (sub_bytes[127 - 8*b -: 8])
    );
  end

  // ShiftRows (section 5.1.2): row r rotates left by r columns.
  for (genvar c = 0; c < 4; c++) begin : gen_shift_col
    for (genvar r = 0; r < 4; r++) begin : gen_shift_row
      assign shift_rows[127 - 8*(r + 4*c) -: 8] = sub_bytes[127 - 8*(r + 4*((c + r) % 4)) -: 8];
    end
  end

  for (genvar c = 0; c < 4; c++) begin : gen_mix
    assign mix_columns[127 - 32*c -: 32] = mix_column(shift_rows[127 - 32*c -: 32]);
  end

  assign state_o = (final_i ? shift_rows : mix_columns) ^ round_key_i;

endmodule
