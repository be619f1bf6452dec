// AES S-box (FIPS-197 section 5.1.1), one byte.
//
// The table is written once, as the macro AES_SBOX_ITEMS. Simulation uses it as a `case` in
// an always_comb of this small module, one instance per byte: Verilator compiles that to a
// table lookup (not when the `case` is in a function, which it inlines as a decision tree,
// measured 20x slower to simulate). Synthesis (`SYNTHESIS`, which Yosys defines) reads each
// output bit as one 256-bit constant column indexed by the byte, computed at elaboration
// from the same table: a 256-to-1 choice of constants, which maps to LUT6, MUXF7 and MUXF8
// with the register before it left in place. From the `case` Yosys 0.23 makes a ROM, merges
// the register in front into it as a synchronous read and moves that register behind the
// ROM, so every register boundary of the AES pipe slid past its S-boxes (docs/fpga.md).
// Under Yosys (`YOSYS`) each column is given as Yosys's own LUT cell, which it maps the same
// way with a fraction of the memory (below).

// The table, FIPS-197 Figure 7, as the items of a `case` that assigns LHS.
`define AES_SBOX_ITEMS(LHS) \
  8'h00: LHS = 8'h63;  8'h01: LHS = 8'h7c;  8'h02: LHS = 8'h77;  8'h03: LHS = 8'h7b; \
  8'h04: LHS = 8'hf2;  8'h05: LHS = 8'h6b;  8'h06: LHS = 8'h6f;  8'h07: LHS = 8'hc5; \
  8'h08: LHS = 8'h30;  8'h09: LHS = 8'h01;  8'h0a: LHS = 8'h67;  8'h0b: LHS = 8'h2b; \
  8'h0c: LHS = 8'hfe;  8'h0d: LHS = 8'hd7;  8'h0e: LHS = 8'hab;  8'h0f: LHS = 8'h76; \
  8'h10: LHS = 8'hca;  8'h11: LHS = 8'h82;  8'h12: LHS = 8'hc9;  8'h13: LHS = 8'h7d; \
  8'h14: LHS = 8'hfa;  8'h15: LHS = 8'h59;  8'h16: LHS = 8'h47;  8'h17: LHS = 8'hf0; \
  8'h18: LHS = 8'had;  8'h19: LHS = 8'hd4;  8'h1a: LHS = 8'ha2;  8'h1b: LHS = 8'haf; \
  8'h1c: LHS = 8'h9c;  8'h1d: LHS = 8'ha4;  8'h1e: LHS = 8'h72;  8'h1f: LHS = 8'hc0; \
  8'h20: LHS = 8'hb7;  8'h21: LHS = 8'hfd;  8'h22: LHS = 8'h93;  8'h23: LHS = 8'h26; \
  8'h24: LHS = 8'h36;  8'h25: LHS = 8'h3f;  8'h26: LHS = 8'hf7;  8'h27: LHS = 8'hcc; \
  8'h28: LHS = 8'h34;  8'h29: LHS = 8'ha5;  8'h2a: LHS = 8'he5;  8'h2b: LHS = 8'hf1; \
  8'h2c: LHS = 8'h71;  8'h2d: LHS = 8'hd8;  8'h2e: LHS = 8'h31;  8'h2f: LHS = 8'h15; \
  8'h30: LHS = 8'h04;  8'h31: LHS = 8'hc7;  8'h32: LHS = 8'h23;  8'h33: LHS = 8'hc3; \
  8'h34: LHS = 8'h18;  8'h35: LHS = 8'h96;  8'h36: LHS = 8'h05;  8'h37: LHS = 8'h9a; \
  8'h38: LHS = 8'h07;  8'h39: LHS = 8'h12;  8'h3a: LHS = 8'h80;  8'h3b: LHS = 8'he2; \
  8'h3c: LHS = 8'heb;  8'h3d: LHS = 8'h27;  8'h3e: LHS = 8'hb2;  8'h3f: LHS = 8'h75; \
  8'h40: LHS = 8'h09;  8'h41: LHS = 8'h83;  8'h42: LHS = 8'h2c;  8'h43: LHS = 8'h1a; \
  8'h44: LHS = 8'h1b;  8'h45: LHS = 8'h6e;  8'h46: LHS = 8'h5a;  8'h47: LHS = 8'ha0; \
  8'h48: LHS = 8'h52;  8'h49: LHS = 8'h3b;  8'h4a: LHS = 8'hd6;  8'h4b: LHS = 8'hb3; \
  8'h4c: LHS = 8'h29;  8'h4d: LHS = 8'he3;  8'h4e: LHS = 8'h2f;  8'h4f: LHS = 8'h84; \
  8'h50: LHS = 8'h53;  8'h51: LHS = 8'hd1;  8'h52: LHS = 8'h00;  8'h53: LHS = 8'hed; \
  8'h54: LHS = 8'h20;  8'h55: LHS = 8'hfc;  8'h56: LHS = 8'hb1;  8'h57: LHS = 8'h5b; \
  8'h58: LHS = 8'h6a;  8'h59: LHS = 8'hcb;  8'h5a: LHS = 8'hbe;  8'h5b: LHS = 8'h39; \
  8'h5c: LHS = 8'h4a;  8'h5d: LHS = 8'h4c;  8'h5e: LHS = 8'h58;  8'h5f: LHS = 8'hcf; \
  8'h60: LHS = 8'hd0;  8'h61: LHS = 8'hef;  8'h62: LHS = 8'haa;  8'h63: LHS = 8'hfb; \
  8'h64: LHS = 8'h43;  8'h65: LHS = 8'h4d;  8'h66: LHS = 8'h33;  8'h67: LHS = 8'h85; \
  8'h68: LHS = 8'h45;  8'h69: LHS = 8'hf9;  8'h6a: LHS = 8'h02;  8'h6b: LHS = 8'h7f; \
  8'h6c: LHS = 8'h50;  8'h6d: LHS = 8'h3c;  8'h6e: LHS = 8'h9f;  8'h6f: LHS = 8'ha8; \
  8'h70: LHS = 8'h51;  8'h71: LHS = 8'ha3;  8'h72: LHS = 8'h40;  8'h73: LHS = 8'h8f; \
  8'h74: LHS = 8'h92;  8'h75: LHS = 8'h9d;  8'h76: LHS = 8'h38;  8'h77: LHS = 8'hf5; \
  8'h78: LHS = 8'hbc;  8'h79: LHS = 8'hb6;  8'h7a: LHS = 8'hda;  8'h7b: LHS = 8'h21; \
  8'h7c: LHS = 8'h10;  8'h7d: LHS = 8'hff;  8'h7e: LHS = 8'hf3;  8'h7f: LHS = 8'hd2; \
  8'h80: LHS = 8'hcd;  8'h81: LHS = 8'h0c;  8'h82: LHS = 8'h13;  8'h83: LHS = 8'hec; \
  8'h84: LHS = 8'h5f;  8'h85: LHS = 8'h97;  8'h86: LHS = 8'h44;  8'h87: LHS = 8'h17; \
  8'h88: LHS = 8'hc4;  8'h89: LHS = 8'ha7;  8'h8a: LHS = 8'h7e;  8'h8b: LHS = 8'h3d; \
  8'h8c: LHS = 8'h64;  8'h8d: LHS = 8'h5d;  8'h8e: LHS = 8'h19;  8'h8f: LHS = 8'h73; \
  8'h90: LHS = 8'h60;  8'h91: LHS = 8'h81;  8'h92: LHS = 8'h4f;  8'h93: LHS = 8'hdc; \
  8'h94: LHS = 8'h22;  8'h95: LHS = 8'h2a;  8'h96: LHS = 8'h90;  8'h97: LHS = 8'h88; \
  8'h98: LHS = 8'h46;  8'h99: LHS = 8'hee;  8'h9a: LHS = 8'hb8;  8'h9b: LHS = 8'h14; \
  8'h9c: LHS = 8'hde;  8'h9d: LHS = 8'h5e;  8'h9e: LHS = 8'h0b;  8'h9f: LHS = 8'hdb; \
  8'ha0: LHS = 8'he0;  8'ha1: LHS = 8'h32;  8'ha2: LHS = 8'h3a;  8'ha3: LHS = 8'h0a; \
  8'ha4: LHS = 8'h49;  8'ha5: LHS = 8'h06;  8'ha6: LHS = 8'h24;  8'ha7: LHS = 8'h5c; \
  8'ha8: LHS = 8'hc2;  8'ha9: LHS = 8'hd3;  8'haa: LHS = 8'hac;  8'hab: LHS = 8'h62; \
  8'hac: LHS = 8'h91;  8'had: LHS = 8'h95;  8'hae: LHS = 8'he4;  8'haf: LHS = 8'h79; \
  8'hb0: LHS = 8'he7;  8'hb1: LHS = 8'hc8;  8'hb2: LHS = 8'h37;  8'hb3: LHS = 8'h6d; \
  8'hb4: LHS = 8'h8d;  8'hb5: LHS = 8'hd5;  8'hb6: LHS = 8'h4e;  8'hb7: LHS = 8'ha9; \
  8'hb8: LHS = 8'h6c;  8'hb9: LHS = 8'h56;  8'hba: LHS = 8'hf4;  8'hbb: LHS = 8'hea; \
  8'hbc: LHS = 8'h65;  8'hbd: LHS = 8'h7a;  8'hbe: LHS = 8'hae;  8'hbf: LHS = 8'h08; \
  8'hc0: LHS = 8'hba;  8'hc1: LHS = 8'h78;  8'hc2: LHS = 8'h25;  8'hc3: LHS = 8'h2e; \
  8'hc4: LHS = 8'h1c;  8'hc5: LHS = 8'ha6;  8'hc6: LHS = 8'hb4;  8'hc7: LHS = 8'hc6; \
  8'hc8: LHS = 8'he8;  8'hc9: LHS = 8'hdd;  8'hca: LHS = 8'h74;  8'hcb: LHS = 8'h1f; \
  8'hcc: LHS = 8'h4b;  8'hcd: LHS = 8'hbd;  8'hce: LHS = 8'h8b;  8'hcf: LHS = 8'h8a; \
  8'hd0: LHS = 8'h70;  8'hd1: LHS = 8'h3e;  8'hd2: LHS = 8'hb5;  8'hd3: LHS = 8'h66; \
  8'hd4: LHS = 8'h48;  8'hd5: LHS = 8'h03;  8'hd6: LHS = 8'hf6;  8'hd7: LHS = 8'h0e; \
  8'hd8: LHS = 8'h61;  8'hd9: LHS = 8'h35;  8'hda: LHS = 8'h57;  8'hdb: LHS = 8'hb9; \
  8'hdc: LHS = 8'h86;  8'hdd: LHS = 8'hc1;  8'hde: LHS = 8'h1d;  8'hdf: LHS = 8'h9e; \
  8'he0: LHS = 8'he1;  8'he1: LHS = 8'hf8;  8'he2: LHS = 8'h98;  8'he3: LHS = 8'h11; \
  8'he4: LHS = 8'h69;  8'he5: LHS = 8'hd9;  8'he6: LHS = 8'h8e;  8'he7: LHS = 8'h94; \
  8'he8: LHS = 8'h9b;  8'he9: LHS = 8'h1e;  8'hea: LHS = 8'h87;  8'heb: LHS = 8'he9; \
  8'hec: LHS = 8'hce;  8'hed: LHS = 8'h55;  8'hee: LHS = 8'h28;  8'hef: LHS = 8'hdf; \
  8'hf0: LHS = 8'h8c;  8'hf1: LHS = 8'ha1;  8'hf2: LHS = 8'h89;  8'hf3: LHS = 8'h0d; \
  8'hf4: LHS = 8'hbf;  8'hf5: LHS = 8'he6;  8'hf6: LHS = 8'h42;  8'hf7: LHS = 8'h68; \
  8'hf8: LHS = 8'h41;  8'hf9: LHS = 8'h99;  8'hfa: LHS = 8'h2d;  8'hfb: LHS = 8'h0f; \
  8'hfc: LHS = 8'hb0;  8'hfd: LHS = 8'h54;  8'hfe: LHS = 8'hbb;  8'hff: LHS = 8'h16;

module aes_sbox (
  input  logic [7:0] data_i,
  output logic [7:0] sbox_o
);

`ifdef SYNTHESIS
  function automatic logic [7:0] sbox(input logic [7:0] b);
    unique case (b)
      `AES_SBOX_ITEMS(sbox)
      default: sbox = 8'h00;
    endcase
  endfunction

  // Column k: bit k of sbox(i) at position i, computed at elaboration.
  function automatic logic [255:0] column(input int k);
    logic [7:0] v;
    for (int i = 0; i < 256; i++) begin
      v = sbox(i[7:0]);
      column[i] = v[k];
    end
  endfunction

  for (genvar k = 0; k < 8; k++) begin : gen_bit
    localparam logic [255:0] Col = column(k);
`ifdef YOSYS
    // Yosys maps `Col[data_i]` (a $shiftx) as a 256-wide barrel shifter, 2,048 cells per
    // bit before it folds the constants: 15 GB for the AES pipe alone. Its own LUT cell of
    // the same column is 255 and maps the same (read with `read_verilog -icells`).
    \$lut #(.WIDTH(8), .LUT(Col)) u_col (.A(data_i), .Y(sbox_o[k]));
`else
    assign sbox_o[k] = Col[data_i];
`endif
  end
`else
  always_comb begin
    unique case (data_i)
      `AES_SBOX_ITEMS(sbox_o)
      default: sbox_o = 8'h00;
    endcase
  end
`endif

endmodule

`undef AES_SBOX_ITEMS
