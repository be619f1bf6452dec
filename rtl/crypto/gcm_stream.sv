// AES-GCM stream unit (NIST SP 800-38D, 96-bit IVs, 128-bit tags): encrypts or decrypts
// one message after another at one 128-bit beat per clock, with a new key on any message
// and no idle clock between messages.
//
// A message is a sequence of beats ending with one GcmTag beat:
//   GcmPass*  GcmAad*  GcmPass*  GcmText*  GcmTag
// AAD beats come before the first text beat; every AAD and text beat is full except the
// last of its kind; `s_keep_i` is contiguous from byte 0. The context (key, IV, direction)
// is sampled with the first beat of each message. For encryption the tag beat's data is
// ignored; for decryption it is the expected tag. Every Pass and Text beat with at least
// one byte, and the tag beat, come out in order; on the tag beat `m_data_o` is the computed
// tag and `m_tag_ok_o` says whether it equals the expected one (decryption).
//
// Lengths: up to 65535 bytes of AAD and of text per message.
//
// Schedule: each beat takes one slot of the AES pipe. Text beats use theirs for the counter
// block, the tag beat for E(K, J0); the first beat of a message (Pass or AAD) uses its free
// slot for the hash key H = E(K, 0^128), which reaches GHASH exactly when that beat does.
// A message that starts with a text or tag beat gets one extra slot for H (one clock).
// GHASH takes one block per clock; the length block is hashed in the tag beat's slot.
module gcm_stream (
  input  logic                 clk_i,
  input  logic                 rst_ni,

  // Message context, sampled with the first beat of each message.
  input  logic [255:0]         key_i,      // AES-128 uses key_i[255:128]
  input  logic                 key256_i,
  input  logic [95:0]          iv_i,       // the 96-bit IV, byte 0 in [95:88]
  input  logic                 decrypt_i,

  input  logic                 s_valid_i,
  output logic                 s_ready_o,
  input  logic [127:0]         s_data_i,   // byte 0 in [7:0]
  input  logic [15:0]          s_keep_i,
  input  gcm_pkg::gcm_beat_e   s_kind_i,

  output logic                 m_valid_o,
  input  logic                 m_ready_i,
  output logic [127:0]         m_data_o,
  output logic [15:0]          m_keep_o,
  output gcm_pkg::gcm_beat_e   m_kind_o,
  output logic                 m_tag_ok_o  // with the tag beat: computed == expected
);

  // Byte 0 in [7:0] (the stream) <-> byte 0 in [127:120] (FIPS / GCM order).
  function automatic logic [127:0] bswap(input logic [127:0] x);
    logic [127:0] y;
    for (int i = 0; i < 16; i++) y[8*i +: 8] = x[127 - 8*i -: 8];
    bswap = y;
  endfunction

  function automatic logic [127:0] keep_mask(input logic [15:0] keep);
    logic [127:0] m;
    for (int i = 0; i < 16; i++) m[8*i +: 8] = {8{keep[i]}};
    keep_mask = m;
  endfunction

  function automatic logic [4:0] keep_bytes(input logic [15:0] keep);
    logic [4:0] n;
    n = '0;
    for (int i = 0; i < 16; i++) n = n + {4'b0, keep[i]};
    keep_bytes = n;
  endfunction

  // The whole unit advances when the output register has room (a registered signal).
  logic en;

  // ---------------------------------------------------------------------------------------
  // Issue: one AES slot per clock.
  // ---------------------------------------------------------------------------------------
  logic         started_q;   // the current message has issued its first slot (H)
  logic [255:0] key_q;
  logic         key256_q;
  logic [95:0]  iv_q;
  logic         decrypt_q;
  logic [31:0]  ctr_q;       // counter of the next text block (J0 + 1 + text blocks so far)

  logic         inject_h;    // a message starting with text or tag: slot for H first
  logic         issue, accept;
  logic [255:0] slot_key;
  logic         slot_key256;
  logic [95:0]  slot_iv;
  logic         slot_decrypt;
  logic [127:0] slot_block;

  assign inject_h = s_valid_i && !started_q &&
                    (s_kind_i == gcm_pkg::GcmText || s_kind_i == gcm_pkg::GcmTag);
  assign s_ready_o = en && !inject_h;
  assign issue     = en && s_valid_i;
  assign accept    = issue && !inject_h;

  assign slot_key     = started_q ? key_q     : key_i;
  assign slot_key256  = started_q ? key256_q  : key256_i;
  assign slot_iv      = started_q ? iv_q      : iv_i;
  assign slot_decrypt = started_q ? decrypt_q : decrypt_i;

  always_comb begin
    if (!started_q)                       slot_block = '0;                // H
    else if (s_kind_i == gcm_pkg::GcmText) slot_block = {slot_iv, ctr_q};
    else if (s_kind_i == gcm_pkg::GcmTag)  slot_block = {slot_iv, 32'd1}; // J0
    else                                   slot_block = '0;               // unused slot
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      started_q <= 1'b0;
    end else if (issue) begin
      if (accept && s_kind_i == gcm_pkg::GcmTag) started_q <= 1'b0;
      else                                       started_q <= 1'b1;
    end
  end

  always_ff @(posedge clk_i) begin
    if (issue && !started_q) begin
      key_q     <= key_i;
      key256_q  <= key256_i;
      iv_q      <= iv_i;
      decrypt_q <= decrypt_i;
      ctr_q     <= 32'd2;
    end else if (accept && s_kind_i == gcm_pkg::GcmText) begin
      ctr_q     <= ctr_q + 32'd1;
    end
  end

  // ---------------------------------------------------------------------------------------
  // AES pipe; the beat travels beside its block.
  // ---------------------------------------------------------------------------------------
  gcm_pkg::gcm_slot_t slot_in, slot_out;
  logic         aes_valid;
  logic [127:0] aes_block;

  always_comb begin
    slot_in.has_h   = !started_q;
    slot_in.decrypt = slot_decrypt;
    slot_in.kind    = inject_h ? gcm_pkg::GcmPass : s_kind_i;
    slot_in.keep    = inject_h ? 16'h0 : s_keep_i;
    slot_in.data    = s_data_i;
  end

  aes_cipher_pipe #(.SideW($bits(slot_in))) u_aes (
    .clk_i    (clk_i),
    .rst_ni   (rst_ni),
    .en_i     (en),
    .valid_i  (issue),
    .key_i    (slot_key),
    .key256_i (slot_key256),
    .block_i  (slot_block),
    .side_i   (slot_in),
    .valid_o  (aes_valid),
    .block_o  (aes_block),
    .side_o   (slot_out)
  );

  // ---------------------------------------------------------------------------------------
  // GHASH and output, one block per clock.
  // ---------------------------------------------------------------------------------------
  logic [127:0] h_q, y_q;
  logic [15:0]  aad_len_q, text_len_q;

  logic [127:0] h_eff, y_base, ks, mask, x, y_next, text_out, tag;
  logic [15:0]  aad_len, text_len;
  logic         hashed;

  assign h_eff    = slot_out.has_h ? aes_block : h_q;
  assign y_base   = slot_out.has_h ? '0 : y_q;
  assign aad_len  = slot_out.has_h ? '0 : aad_len_q;
  assign text_len = slot_out.has_h ? '0 : text_len_q;
  assign ks       = bswap(aes_block);
  assign mask     = keep_mask(slot_out.keep);
  assign text_out = (slot_out.data ^ ks) & mask;

  always_comb begin
    unique case (slot_out.kind)
      gcm_pkg::GcmAad:  x = bswap(slot_out.data & mask);
      gcm_pkg::GcmText: x = bswap(slot_out.decrypt ? (slot_out.data & mask) : text_out);
      // Length block: len(A) || len(C) in bits (SP 800-38D section 7.1, step 5).
      gcm_pkg::GcmTag:  x = {45'b0, aad_len, 3'b0, 45'b0, text_len, 3'b0};
      default:          x = '0;
    endcase
  end
  assign hashed = slot_out.kind != gcm_pkg::GcmPass;

  gf128_mul u_ghash_mul (
    .a_i (y_base ^ x),
    .b_i (h_eff),
    .p_o (y_next)
  );

  assign tag = bswap(y_next ^ aes_block);

  always_ff @(posedge clk_i) begin
    if (en && aes_valid) begin
      if (slot_out.has_h) h_q <= aes_block;
      y_q        <= hashed ? y_next : y_base;
      aad_len_q  <= aad_len  + ((slot_out.kind == gcm_pkg::GcmAad)  ? 16'(keep_bytes(slot_out.keep)) : 16'd0);
      text_len_q <= text_len + ((slot_out.kind == gcm_pkg::GcmText) ? 16'(keep_bytes(slot_out.keep)) : 16'd0);
    end
  end

  // Output register with skid: its registered ready is the whole unit's clock enable.
  gcm_pkg::gcm_out_t out_beat, m_beat;
  logic out_valid;

  always_comb begin
    out_beat.kind   = slot_out.kind;
    out_beat.keep   = slot_out.keep;
    out_beat.tag_ok = 1'b0;
    unique case (slot_out.kind)
      gcm_pkg::GcmText: out_beat.data = text_out;
      gcm_pkg::GcmTag: begin
        out_beat.data   = tag;
        out_beat.keep   = 16'hffff;
        out_beat.tag_ok = (tag == slot_out.data);
      end
      default:          out_beat.data = slot_out.data;
    endcase
  end

  assign out_valid = aes_valid && (slot_out.kind == gcm_pkg::GcmTag ||
                                   (slot_out.kind != gcm_pkg::GcmAad && slot_out.keep != '0));

  stream_skid #(.DataW($bits(out_beat))) u_out (
    .clk_i     (clk_i),
    .rst_ni    (rst_ni),
    .s_valid_i (out_valid && en),
    .s_ready_o (en),
    .s_data_i  (out_beat),
    .m_valid_o (m_valid_o),
    .m_ready_i (m_ready_i),
    .m_data_o  (m_beat)
  );

  assign m_data_o   = m_beat.data;
  assign m_keep_o   = m_beat.keep;
  assign m_kind_o   = m_beat.kind;
  assign m_tag_ok_o = m_beat.tag_ok;

endmodule
