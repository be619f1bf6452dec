// AES-GCM stream unit (NIST SP 800-38D, 96-bit IVs, 128-bit tags): encrypts or decrypts
// one message after another at one 128-bit beat per clock, with a new key on any message
// and no idle clock between messages. It is built of the engine's GCM datapath: the AES pipe
// (`aes_cipher_pipe`), GHASH and the tag (`gcm_tag`, around `ghash`), as `esp_gcm` uses them,
// so what is measured here (the `gcm` bench) is that datapath.
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
// slot for the hash key H = E(K, 0^128). A message that starts with a text or tag beat gets
// one extra slot for H (one clock).
//
// Stages (docs/architecture.md, "Crypto: gcm_stream"):
//   slot   the beat and its AES input (0 for H, the counter block, J0), registered
//   aes    14 rounds, the beat beside its block (`side`)
//   p      the keystream applied: the output beat (queued); the GHASH block (queued): the
//          AAD, the ciphertext, or for the tag beat the length block; H and E(K, J0) queued
//   hash   the GHASH engine takes the queued blocks one per clock into `gcm_tag`; the tag is
//          queued
//   out    a tag beat waits at the head of the output queue for its tag
// The pipe runs free; `s_ready_o` is a register, high while every queue has room for all
// the pipe may still push into it.
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

  function automatic logic [127:0] keep_mask(input logic [15:0] keep);
    logic [127:0] m;
    for (int i = 0; i < 16; i++) m[8*i +: 8] = {8{keep[i]}};
    keep_mask = m;
  endfunction

  // keep is contiguous from byte 0: the bytes are the position of its highest set bit + 1.
  function automatic logic [4:0] keep_bytes(input logic [15:0] keep);
    logic [4:0] n;
    n = '0;
    for (int i = 0; i < 16; i++) if (keep[i]) n = 5'(i + 1);
    keep_bytes = n;
  endfunction

  // Queue depths. The pipe holds up to InFlight beats that the room check no longer sees
  // (the AES pipe's stage 0, the slot stage, and its rounds), each pushing at most one entry into each queue; room_q lags
  // by a clock and a beat may be taken on it.
  localparam int InFlight = 15;
  localparam int OutDepth = 64;   // output beats (block RAM)
  localparam int XDepth   = 32;   // GHASH blocks: 32 x 128 bits, and their flags beside
  localparam int MsgDepth = 32;   // H and E(K, J0) per message
  localparam int TagDepth = 16;   // tags waiting for their beat
  logic room_q;

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
  assign s_ready_o = room_q && !inject_h;
  assign issue     = room_q && s_valid_i;
  assign accept    = issue && !inject_h;

  assign slot_key     = started_q ? key_q     : key_i;
  assign slot_key256  = started_q ? key256_q  : key256_i;
  assign slot_iv      = started_q ? iv_q      : iv_i;
  assign slot_decrypt = started_q ? decrypt_q : decrypt_i;

  always_comb begin
    if (!started_q)                        slot_block = '0;                // H
    else if (s_kind_i == gcm_pkg::GcmText) slot_block = gcm_pkg::ctr_block(slot_iv, ctr_q);
    else if (s_kind_i == gcm_pkg::GcmTag)  slot_block = gcm_pkg::j0_block(slot_iv);
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

  // ---- slot: registered for AES round 1 ---------------------------------------------------
  gcm_pkg::gcm_slot_t slot_in, sl;

  always_comb begin
    slot_in.has_h   = !started_q;
    slot_in.decrypt = slot_decrypt;
    slot_in.kind    = inject_h ? gcm_pkg::GcmPass : s_kind_i;
    slot_in.keep    = inject_h ? 16'h0 : s_keep_i;
    slot_in.bytes   = inject_h ? 5'd0 : keep_bytes(s_keep_i);
    slot_in.data    = s_data_i;
  end

  // ---- AES pipe; the beat travels beside its block ------------------------------------------
  // The issued beat enters with its block and key; the pipe's stage 0 registers them (the
  // slot stage).
  logic         aes_valid;
  logic [127:0] aes_block;

  aes_cipher_pipe #(.SideW($bits(slot_in))) u_aes (
    .clk_i, .rst_ni,
    .en_i     (1'b1),
    .key_i    (slot_key),
    .key256_i (slot_key256),
    .valid_i  (issue),
    .block_i  (slot_block),
    .side_i   (slot_in),
    .valid_o  (aes_valid),
    .block_o  (aes_block),
    .side_o   (sl)
  );

  // ---------------------------------------------------------------------------------------
  // p: keystream, output beat, GHASH block.
  // ---------------------------------------------------------------------------------------
  logic [15:0]  aad_len_q, text_len_q;   // bytes of the message so far
  logic [15:0]  aad_len, text_len;
  logic [127:0] mask, text_out, x;
  logic         hashed, is_tag;

  assign aad_len  = sl.has_h ? '0 : aad_len_q;
  assign text_len = sl.has_h ? '0 : text_len_q;
  assign mask     = keep_mask(sl.keep);
  assign text_out = (sl.data ^ gcm_pkg::bswap(aes_block)) & mask;
  assign is_tag   = sl.kind == gcm_pkg::GcmTag;
  assign hashed   = sl.kind != gcm_pkg::GcmPass;

  always_comb begin
    unique case (sl.kind)
      gcm_pkg::GcmAad:  x = gcm_pkg::bswap(sl.data & mask);
      gcm_pkg::GcmText: x = gcm_pkg::bswap(sl.decrypt ? (sl.data & mask) : text_out);
      gcm_pkg::GcmTag:  x = gcm_pkg::len_block(61'(aad_len_q), 61'(text_len_q));
      default:          x = '0;
    endcase
  end

  always_ff @(posedge clk_i) begin
    if (aes_valid) begin
      aad_len_q  <= aad_len  + ((sl.kind == gcm_pkg::GcmAad)  ? 16'(sl.bytes) : 16'd0);
      text_len_q <= text_len + ((sl.kind == gcm_pkg::GcmText) ? 16'(sl.bytes) : 16'd0);
    end
  end

  // GHASH blocks in GCM bit order (32 x 128 bits: 4 kbit, LUTRAM); beside them, whether each
  // is its message's last.
  logic         x_push, x_empty, x_pop, xf_last;
  logic [127:0] x_head;
  logic [$clog2(XDepth):0] x_count;

  assign x_push = aes_valid && hashed;

  sync_fifo #(.Width(128), .Depth(XDepth)) u_xq (
    .clk_i, .rst_ni,
    .push_i (x_push), .data_i (x),
    .pop_i  (x_pop), .data_o (x_head),
    .empty_o (x_empty), .full_o (), .almost_full_o (), .count_o (x_count)
  );

  sync_fifo #(.Width(1), .Depth(XDepth)) u_xlastq (
    .clk_i, .rst_ni,
    .push_i (x_push), .data_i (is_tag),
    .pop_i  (x_pop), .data_o (xf_last),
    .empty_o (), .full_o (), .almost_full_o (), .count_o ()
  );

  // H of each message, from its first slot.
  logic [127:0] h_head;
  logic         h_empty, h_pop;
  logic [$clog2(MsgDepth):0] h_count;

  sync_fifo #(.Width(128), .Depth(MsgDepth)) u_hq (
    .clk_i, .rst_ni,
    .push_i (aes_valid && sl.has_h), .data_i (aes_block),
    .pop_i  (h_pop), .data_o (h_head),
    .empty_o (h_empty), .full_o (), .almost_full_o (), .count_o (h_count)
  );

  // Beats on their way out.
  gcm_pkg::gcm_out_t ob_in, ob_head;
  logic ob_empty, ob_pop;
  logic [$clog2(OutDepth):0] ob_count;

  always_comb begin
    ob_in.kind = sl.kind;
    ob_in.keep = sl.keep;
    ob_in.data = (sl.kind == gcm_pkg::GcmText) ? text_out : sl.data;
  end

  // Every beat but AAD, and but empty ones, leaves. (Port connections name signals only:
  // Icarus Verilog does not look up a package's constants there.)
  logic ob_push;
  assign ob_push = aes_valid && (is_tag || (sl.kind != gcm_pkg::GcmAad && sl.keep != '0));

  ram_fifo #(.Width($bits(ob_in)), .Depth(OutDepth)) u_outq (
    .clk_i, .rst_ni,
    .push_i (ob_push), .data_i (ob_in),
    .pop_i  (ob_pop), .data_o (ob_head),
    .empty_o (ob_empty), .count_o (ob_count)
  );

  // ---------------------------------------------------------------------------------------
  // hash: the blocks one per clock into gcm_tag. Inside a message `ghash` steps only with a
  // block; a message starts only with its first two blocks queued (or its only one), so the
  // message before it leaves `ghash` (two steps) without waiting for later beats.
  // ---------------------------------------------------------------------------------------
  logic         in_msg_q, go, tag_room, tag_valid;
  logic [127:0] tag;
  logic [$clog2(MsgDepth):0] ej0_count;
  logic [$clog2(TagDepth):0] tag_count;

  // Room for this message's tag beside those of at most three messages inside `ghash`.
  assign tag_room = tag_count <= ($clog2(TagDepth)+1)'(TagDepth - 4);
  assign go       = !x_empty &&
                    (in_msg_q || (!h_empty && tag_room &&
                                  (xf_last || x_count >= ($clog2(XDepth)+1)'(2))));
  assign x_pop    = go;
  assign h_pop    = go && !in_msg_q;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) in_msg_q <= 1'b0;
    else if (go) in_msg_q <= !xf_last;
  end

  gcm_tag #(.SideW(1), .Depth(MsgDepth)) u_tag (
    .clk_i, .rst_ni,
    .step_i      (go || !in_msg_q),
    .valid_i     (go),
    .first_i     (!in_msg_q),
    .last_i      (xf_last),
    .block_i     (x_head),
    .h_i         (h_head),
    .side_i      (1'b0),
    .ej0_push_i  (aes_valid && is_tag),
    .ej0_i       (aes_block),
    .ej0_count_o (ej0_count),
    .tag_valid_o (tag_valid),
    .tag_o       (tag),
    .side_o      ()
  );

  logic [127:0] tag_head;
  logic         tag_empty, head_tag;

  sync_fifo #(.Width(128), .Depth(TagDepth)) u_tagq (
    .clk_i, .rst_ni,
    .push_i (tag_valid), .data_i (tag),
    .pop_i  (ob_pop && head_tag), .data_o (tag_head),
    .empty_o (tag_empty), .full_o (), .almost_full_o (), .count_o (tag_count)
  );

  // Room for what the pipe holds, the beat taken now, and the clock room_q lags by.
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) room_q <= 1'b0;
    else         room_q <= ob_count  <= ($clog2(OutDepth)+1)'(OutDepth - InFlight - 2) &&
                           x_count   <= ($clog2(XDepth)+1)'(XDepth - InFlight - 2) &&
                           h_count   <= ($clog2(MsgDepth)+1)'(MsgDepth - InFlight - 2) &&
                           ej0_count <= ($clog2(MsgDepth)+1)'(MsgDepth - InFlight - 2);
  end

  // ---------------------------------------------------------------------------------------
  // out: a tag beat leaves with its tag; an output skid with a registered ready.
  // ---------------------------------------------------------------------------------------
  gcm_pkg::gcm_m_t m_in, m_beat;
  logic    skid_ready;

  assign head_tag = ob_head.kind == gcm_pkg::GcmTag;
  assign ob_pop   = !ob_empty && (!head_tag || !tag_empty) && skid_ready;

  always_comb begin
    m_in.kind   = ob_head.kind;
    m_in.keep   = head_tag ? 16'hffff : ob_head.keep;
    m_in.data   = head_tag ? tag_head : ob_head.data;
    m_in.tag_ok = head_tag && tag_head == ob_head.data;
  end

  stream_skid #(.DataW($bits(m_in))) u_out (
    .clk_i, .rst_ni,
    .s_valid_i (ob_pop), .s_ready_o (skid_ready), .s_data_i (m_in),
    .m_valid_o, .m_ready_i, .m_data_o (m_beat)
  );

  assign m_data_o   = m_beat.data;
  assign m_keep_o   = m_beat.keep;
  assign m_kind_o   = m_beat.kind;
  assign m_tag_ok_o = m_beat.tag_ok;

endmodule
