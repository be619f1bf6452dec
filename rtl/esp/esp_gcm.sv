// AES-GCM applied to a frame in place, at one 128-bit beat per clock (RFC 4106 with
// RFC 4303 framing): the text may start at any byte of a beat and the 16-byte ICV follows
// it directly, so frames never gain a beat for alignment.
//
// Per frame (context with its first beat): the text occupies bytes
// [text_start, text_start + text_len) and the ICV the next 16 bytes. Encrypt replaces the
// text by the ciphertext and the ICV bytes by the tag. Decrypt replaces the text by the
// plaintext and reports, once per frame on the status port, whether the ICV matched and
// whether the ESP trailer is well formed (pad bytes 1, 2, 3, ..., RFC 4303 section 2.4).
// Frames of mode GcmNone pass unchanged. Bytes outside text and ICV are never touched.
//
// How it keeps the rate:
//  - AES slots: beat 0 computes H = E(K, 0^128), beat 1 E(K, J0) (text starts at byte 32 or
//    later), and the j-th beat holding text the counter block E(K, J0 + 1 + j). The text's
//    keystream is those blocks rotated by text_start mod 16: each beat takes its bytes from
//    the current and the previous counter block.
//  - GHASH blocks are assembled from the ciphertext of two neighbouring beats and queued;
//    an engine beside the pipe hashes one block per clock (AAD, text blocks, lengths) and
//    queues the tag. It needs two more clocks per frame than the frame has text blocks,
//    which the frame's header beats leave it.
//  - Encrypted beats wait in an output queue; a beat holding ICV bytes leaves once its tag
//    is there. Under back-to-back traffic the queue keeps a few beats of slack, so the wait
//    costs nothing after the first frame.
module esp_gcm (
  input  logic                  clk_i,
  input  logic                  rst_ni,

  input  logic                  s_valid_i,
  output logic                  s_ready_o,
  input  logic [127:0]          s_data_i,   // byte 0 in [7:0]
  input  logic [15:0]           s_keep_i,
  input  logic                  s_last_i,
  input  esp_pkg::gcm_ctx_t     s_ctx_i,    // with the first beat of each frame

  output logic                  m_valid_o,
  input  logic                  m_ready_i,
  output logic [127:0]          m_data_o,
  output logic [15:0]           m_keep_o,
  output logic                  m_last_o,

  output logic                  st_valid_o,  // one per decrypted frame, in order
  input  logic                  st_ready_i,
  output esp_pkg::gcm_status_t  st_o
);

  localparam int PosW = esp_pkg::PosW;

  // ---- byte-vector helpers (stream order: byte b in [8b+7:8b]) ----------------------------
  function automatic logic [127:0] bswap(input logic [127:0] x);
    logic [127:0] y;
    for (int i = 0; i < 16; i++) y[8*i +: 8] = x[127 - 8*i -: 8];
    bswap = y;
  endfunction

  function automatic logic [127:0] bytes(input logic [15:0] m);
    bytes = {{8{m[15]}}, {8{m[14]}}, {8{m[13]}}, {8{m[12]}}, {8{m[11]}}, {8{m[10]}},
             {8{m[9]}},  {8{m[8]}},  {8{m[7]}},  {8{m[6]}},  {8{m[5]}},  {8{m[4]}},
             {8{m[3]}},  {8{m[2]}},  {8{m[1]}},  {8{m[0]}}};
  endfunction

  // out byte b = x byte (b - n) mod 16. A barrel of four fixed rotations: the same logic
  // as a variable shift, and a fraction of its cost in the Verilated model.
  function automatic logic [127:0] rotl(input logic [127:0] x, input logic [3:0] n);
    logic [127:0] y;
    y = x;
    if (n[0]) y = {y[119:0], y[127:120]};
    if (n[1]) y = {y[111:0], y[127:112]};
    if (n[2]) y = {y[95:0],  y[127:96]};
    if (n[3]) y = {y[63:0],  y[127:64]};
    rotl = y;
  endfunction

  // out byte b = x byte (b + n) mod 16
  function automatic logic [127:0] rotr(input logic [127:0] x, input logic [3:0] n);
    logic [127:0] y;
    y = x;
    if (n[0]) y = {y[7:0],  y[127:8]};
    if (n[1]) y = {y[15:0], y[127:16]};
    if (n[2]) y = {y[31:0], y[127:32]};
    if (n[3]) y = {y[63:0], y[127:64]};
    rotr = y;
  endfunction

  // Bytes b of a beat at frame position `pos` with lo <= pos + b < hi.
  function automatic logic [15:0] range_mask(input logic [PosW-1:0] pos, input logic [PosW-1:0] lo,
                                             input logic [PosW-1:0] hi);
    logic [15:0] below_hi, below_lo;
    if (hi <= pos)              below_hi = '0;
    else if (hi - pos >= 16)    below_hi = 16'hffff;
    else                        below_hi = (16'h1 << (hi - pos)) - 16'h1;
    if (lo <= pos)              below_lo = '0;
    else if (lo - pos >= 16)    below_lo = 16'hffff;
    else                        below_lo = (16'h1 << (lo - pos)) - 16'h1;
    range_mask = below_hi & ~below_lo;
  endfunction

  // Is frame position p within the beat at `pos`?
  function automatic logic in_beat(input logic [PosW-1:0] pos, input logic [PosW-1:0] p);
    in_beat = (p >= pos) && (p - pos < 16);
  endfunction

  // The pipe advances on one enable: every queue it feeds has room for one more entry.
  logic en;

  // =======================================================================================
  // Input: classify the bytes of each beat, choose its AES slot.
  // =======================================================================================
  logic               first_q;
  logic [PosW-1:0]    pos_q;
  esp_pkg::gcm_ctx_t  ctx_q;

  esp_pkg::gcm_ctx_t  ctx;
  logic [PosW-1:0]    pos, text_end, icv_end;
  logic [PosW-5:0]    beat_idx, first_text_beat;
  logic [PosW-1:0]    text_blocks;
  logic               crypto, fire;
  esp_pkg::gcm_slot_t slot_in;
  logic [127:0]       aes_in;

  assign ctx      = first_q ? s_ctx_i : ctx_q;
  assign pos      = first_q ? '0 : pos_q;
  assign crypto   = ctx.mode != esp_pkg::GcmNone;
  assign text_end = ctx.text_start + ctx.text_len;
  assign icv_end  = text_end + PosW'(esp_pkg::IcvBytes);
  assign beat_idx        = pos[PosW-1:4];
  assign first_text_beat = ctx.text_start[PosW-1:4];
  assign text_blocks     = PosW'(ctx.text_len + PosW'(15)) >> 4;
  assign fire = s_valid_i && en;
  assign s_ready_o = en;

  always_comb begin
    slot_in.mode       = ctx.mode;
    slot_in.h_slot     = crypto && first_q;
    slot_in.j0_slot    = crypto && beat_idx == 1;
    slot_in.text_mask  = crypto ? (range_mask(pos, ctx.text_start, text_end) & s_keep_i) : '0;
    slot_in.icv_mask   = crypto ? (range_mask(pos, text_end, icv_end) & s_keep_i) : '0;
    slot_in.text_beat  = slot_in.text_mask != '0;
    // Text block k is complete once the beat after the one holding its start has passed.
    slot_in.push_x     = crypto && beat_idx > first_text_beat &&
                         PosW'(beat_idx) <= PosW'(first_text_beat) + text_blocks;
    slot_in.icv_first  = crypto && in_beat(pos, text_end);
    slot_in.icv_last   = crypto && in_beat(pos, icv_end - PosW'(1));
    slot_in.text_off   = ctx.text_start[3:0];
    slot_in.icv_off    = text_end[3:0];
    slot_in.pos        = pos;
    slot_in.text_start = ctx.text_start;
    slot_in.text_len   = ctx.text_len;
    slot_in.last       = s_last_i;
    slot_in.keep       = s_keep_i;
    slot_in.data       = s_data_i;

    if (slot_in.h_slot)         aes_in = '0;
    else if (slot_in.j0_slot)   aes_in = {ctx.nonce, 32'd1};
    else if (slot_in.text_beat) aes_in = {ctx.nonce, {22'b0, beat_idx - first_text_beat} + 32'd2};  // inc32, J0 + 1 + j
    else                        aes_in = '0;
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      first_q <= 1'b1;
      pos_q   <= '0;
    end else if (fire) begin
      first_q <= s_last_i;
      pos_q   <= s_last_i ? '0 : pos + PosW'(16);
    end
  end

  always_ff @(posedge clk_i) begin
    if (fire && first_q) ctx_q <= s_ctx_i;
  end

  // Per frame, for the GHASH engine.
  esp_pkg::gcm_frame_t finfo_in, finfo;
  logic finfo_empty, finfo_afull, finfo_pop;
  always_comb begin
    finfo_in.mode = ctx.mode;
    finfo_in.aad = ctx.aad;
    finfo_in.aad12 = ctx.aad12;
    finfo_in.text_len = ctx.text_len;
  end

  sync_fifo #(.Width($bits(finfo_in)), .Depth(8)) u_finfo (
    .clk_i, .rst_ni,
    .push_i (fire && first_q && crypto), .data_i (finfo_in),
    .pop_i  (finfo_pop), .data_o (finfo),
    .empty_o (finfo_empty), .full_o (), .almost_full_o (finfo_afull), .count_o ()
  );

  // =======================================================================================
  // AES pipe.
  // =======================================================================================
  logic               aes_valid;
  logic [127:0]       aes_block;
  esp_pkg::gcm_slot_t sl;

  aes_cipher_pipe #(.SideW(1)) u_aes (
    .clk_i, .rst_ni,
    .en_i     (en),
    .valid_i  (fire),
    .key_i    (ctx.key),
    .key256_i (ctx.key256),
    .block_i  (aes_in),
    .side_i   (1'b0),
    .valid_o  (aes_valid),
    .block_o  (aes_block),
    .side_o   ()
  );

  // Each beat's slot waits beside the pipe rather than riding its 14 stages: blocks leave
  // in the order they entered, one per beat, so a queue as deep as the pipe pairs them.
  // At most 14 beats are inside the pipe (it takes one only when it advances).
  sync_fifo #(.Width($bits(slot_in)), .Depth(16)) u_slotq (
    .clk_i, .rst_ni,
    .push_i (fire), .data_i (slot_in),
    .pop_i  (aes_valid && en), .data_o (sl),
    .empty_o (), .full_o (), .almost_full_o (), .count_o ()
  );

  // =======================================================================================
  // Rotate stage: keystream, GHASH blocks, ICV and trailer of each beat.
  // =======================================================================================
  logic         step;            // a beat leaves the AES pipe this clock
  logic [127:0] ks_rot, ks_rot_prev_q, ks, out_data, ct, ct_rot, ct_rot_prev_q, x_block;
  logic [15:0]  from_current, low_bytes;
  logic         decrypt, encrypt;

  assign step    = aes_valid && en;
  assign decrypt = sl.mode == esp_pkg::GcmDecrypt;
  assign encrypt = sl.mode == esp_pkg::GcmEncrypt;

  always_comb begin
    // Keystream byte b of a beat comes from the current counter block if b >= text_off,
    // else from the previous one.
    ks_rot       = rotl(bswap(aes_block), sl.text_off);
    from_current = 16'hffff << sl.text_off;
    ks           = (ks_rot & bytes(from_current)) | (ks_rot_prev_q & ~bytes(from_current));
    out_data     = sl.data ^ (ks & bytes(sl.text_mask));
    // GHASH runs over the ciphertext: block k = bytes text_off.. of text beat k, then
    // bytes ..text_off-1 of beat k+1.
    ct           = (decrypt ? sl.data : out_data) & bytes(sl.text_mask);
    ct_rot       = rotr(ct, sl.text_off);
    low_bytes    = 16'(17'h1 << (5'd16 - {1'b0, sl.text_off})) - 16'h1;
    x_block      = (ct_rot_prev_q & bytes(low_bytes)) | (ct_rot & ~bytes(low_bytes));
  end

  always_ff @(posedge clk_i) begin
    if (step && sl.text_beat) begin
      ks_rot_prev_q <= ks_rot;
      ct_rot_prev_q <= ct_rot;
    end
  end

  // GHASH blocks of the text, in GCM bit order.
  typedef struct packed {
    logic         last;
    logic [127:0] block;
  } x_entry_t;
  x_entry_t x_in, x_head;
  logic x_empty, x_afull, x_pop;
  assign x_in.block = bswap(x_block);
  assign x_in.last  = PosW'(sl.pos[PosW-1:4]) ==
                      PosW'(sl.text_start[PosW-1:4]) + (PosW'(sl.text_len + PosW'(15)) >> 4);

  sync_fifo #(.Width($bits(x_in)), .Depth(16)) u_xq (
    .clk_i, .rst_ni,
    .push_i (step && sl.push_x), .data_i (x_in),
    .pop_i  (x_pop), .data_o (x_head),
    .empty_o (x_empty), .full_o (), .almost_full_o (x_afull), .count_o ()
  );

  // H and E(K, J0) of each frame: H goes to GHASH with the frame's first block, E(K, J0)
  // waits for its hash.
  logic [127:0] h_hold_q, h_head, ej0_head;
  logic key_empty, key_afull, key_pop, ej0_afull, ej0_pop;

  always_ff @(posedge clk_i) begin
    if (step && sl.h_slot) h_hold_q <= aes_block;
  end

  sync_fifo #(.Width(128), .Depth(8)) u_keyq (
    .clk_i, .rst_ni,
    .push_i (step && sl.j0_slot), .data_i (h_hold_q),
    .pop_i  (key_pop), .data_o (h_head),
    .empty_o (key_empty), .full_o (), .almost_full_o (key_afull), .count_o ()
  );

  sync_fifo #(.Width(128), .Depth(8)) u_ej0q (
    .clk_i, .rst_ni,
    .push_i (step && sl.j0_slot), .data_i (aes_block),
    .pop_i  (ej0_pop), .data_o (ej0_head),
    .empty_o (), .full_o (), .almost_full_o (ej0_afull), .count_o ()
  );

  // The received ICV (decrypt): ICV byte k sits at beat byte (icv_off + k) mod 16.
  logic [127:0] icv_q, icv_d, icv_head;
  logic icv_empty, icv_afull, icv_pop;
  assign icv_d = (sl.icv_first ? '0 : icv_q) | rotr(sl.data & bytes(sl.icv_mask), sl.icv_off);

  always_ff @(posedge clk_i) begin
    if (step && sl.icv_mask != '0) icv_q <= icv_d;
  end

  sync_fifo #(.Width(128), .Depth(8)) u_icvq (
    .clk_i, .rst_ni,
    .push_i (step && decrypt && sl.icv_last), .data_i (icv_d),
    .pop_i  (icv_pop), .data_o (icv_head),
    .empty_o (icv_empty), .full_o (), .almost_full_o (icv_afull), .count_o ()
  );

  // Trailer (decrypt): pad length at text byte C-2, next header at C-1, and the length of
  // the run 1, 2, 3, ... ending at C-3, which must equal the pad length.
  logic [7:0]       run_q, run_at_q, pad_len_q;
  logic [7:0]       run_v [16];
  logic [7:0]       run_at, pad_len, next_hdr;
  logic [PosW-1:0]  t_end;
  logic             trailer_done;
  esp_pkg::trailer_t trailer_in, trailer_head;
  logic trl_empty, trl_afull, trl_pop;

  always_comb begin
    logic [7:0] run;
    logic [7:0] b;
    run      = sl.h_slot ? 8'd0 : run_q;
    run_at   = sl.h_slot ? 8'd0 : run_at_q;
    pad_len  = sl.h_slot ? 8'd0 : pad_len_q;
    next_hdr = 8'd0;
    t_end    = sl.text_start + sl.text_len;
    for (int i = 0; i < 16; i++) begin
      b = out_data[8*i +: 8];
      if (sl.text_mask[i]) begin
        if (b == run + 8'd1) run = run + 8'd1;
        else                 run = (b == 8'd1) ? 8'd1 : 8'd0;
      end
      run_v[i] = run;
    end
    for (int i = 0; i < 16; i++) begin
      if (sl.text_mask[i] && sl.pos + PosW'(i) == t_end - PosW'(3)) run_at = run_v[i];
      if (sl.text_mask[i] && sl.pos + PosW'(i) == t_end - PosW'(2)) pad_len = out_data[8*i +: 8];
      if (sl.text_mask[i] && sl.pos + PosW'(i) == t_end - PosW'(1)) next_hdr = out_data[8*i +: 8];
    end
    trailer_done = decrypt && in_beat(sl.pos, t_end - PosW'(1));
    trailer_in.pad_len  = pad_len;
    trailer_in.next_hdr = next_hdr;
    trailer_in.ok       = (sl.text_len >= PosW'(2)) &&
                          ({6'b0, pad_len} <= sl.text_len - PosW'(2)) &&
                          (pad_len == 8'd0 || run_at == pad_len);
  end

  always_ff @(posedge clk_i) begin
    if (step && decrypt) begin
      run_q     <= run_v[15];
      run_at_q  <= run_at;
      pad_len_q <= pad_len;
    end
  end

  sync_fifo #(.Width($bits(trailer_in)), .Depth(8)) u_trlq (
    .clk_i, .rst_ni,
    .push_i (step && trailer_done), .data_i (trailer_in),
    .pop_i  (trl_pop), .data_o (trailer_head),
    .empty_o (trl_empty), .full_o (), .almost_full_o (trl_afull), .count_o ()
  );

  // Beats on their way out.
  esp_pkg::gcm_out_beat_t ob_in, ob_head;
  logic ob_empty, ob_afull, ob_pop;
  always_comb begin
    ob_in.encrypt = encrypt;
    ob_in.icv_last = sl.icv_last;
    ob_in.icv_off = sl.icv_off;
    ob_in.icv_mask = sl.icv_mask;
    ob_in.last = sl.last;
    ob_in.keep = sl.keep;
    ob_in.data = out_data;
  end

  sync_fifo #(.Width($bits(ob_in)), .Depth(32)) u_outq (
    .clk_i, .rst_ni,
    .push_i (step), .data_i (ob_in),
    .pop_i  (ob_pop), .data_o (ob_head),
    .empty_o (ob_empty), .full_o (), .almost_full_o (ob_afull), .count_o ()
  );

  assign en = !(finfo_afull || x_afull || key_afull || ej0_afull || icv_afull || trl_afull ||
               ob_afull);

  // =======================================================================================
  // GHASH engine: per frame the AAD block, the text blocks, the length block, one per clock
  // into `ghash`; its hash plus E(K, J0) is the tag.
  // =======================================================================================
  typedef enum logic [1:0] {
    EngAad = 2'd0,
    EngText = 2'd1,
    EngLen = 2'd2
  } eng_state_e;

  eng_state_e   eng_q, eng_d;
  logic [127:0] blk, hash, tag;
  logic         eng_go, hash_valid, tag_room, ghash_step;
  logic [3:0]   enc_tag_count, dec_tag_count;
  logic [63:0]  aad_bits, text_bits;

  assign aad_bits  = finfo.aad12 ? 64'd96 : 64'd64;
  assign text_bits = {{(64-PosW-3){1'b0}}, finfo.text_len, 3'b0};
  // Room for this tag beside the one at most still inside `ghash`.
  assign tag_room  = (finfo.mode == esp_pkg::GcmEncrypt) ? enc_tag_count <= 4'd5
                                                         : dec_tag_count <= 4'd5;

  always_comb begin
    eng_d  = eng_q;
    eng_go = 1'b0;
    x_pop  = 1'b0;
    blk    = '0;
    unique case (eng_q)
      EngAad: begin
        // AAD zero-padded to one block (SP 800-38D section 6.4). The frame starts only once
        // its first text block is there too: from then on its blocks come one per clock, so
        // the frame before it leaves `ghash` (two steps) without waiting.
        blk    = finfo.aad12 ? {finfo.aad, 32'b0} : {finfo.aad[95:32], 64'b0};
        eng_go = !finfo_empty && !key_empty && (finfo.text_len == '0 || !x_empty);
        eng_d  = (finfo.text_len != '0) ? EngText : EngLen;
      end
      EngText: begin
        blk    = x_head.block;
        eng_go = !x_empty;
        x_pop  = eng_go;
        eng_d  = x_head.last ? EngLen : EngText;
      end
      EngLen: begin
        blk    = {aad_bits, text_bits};
        eng_go = tag_room;
        eng_d  = EngAad;
      end
      default: eng_d = EngAad;
    endcase
    if (!eng_go) eng_d = eng_q;
  end

  // Inside a frame `ghash` steps with its blocks only; between frames it runs free.
  assign ghash_step = eng_go || eng_q == EngAad;

  ghash u_ghash (
    .clk_i, .rst_ni,
    .step_i       (ghash_step),
    .valid_i      (eng_go),
    .first_i      (eng_q == EngAad),
    .last_i       (eng_q == EngLen),
    .block_i      (blk),
    .h_i          (h_head),
    .hash_valid_o (hash_valid),
    .hash_o       (hash)
  );

  // The mode of each frame inside `ghash`, for its tag's queue.
  logic tag_enc;
  sync_fifo #(.Width(1), .Depth(4)) u_tag_modeq (
    .clk_i, .rst_ni,
    .push_i (eng_go && eng_q == EngLen), .data_i (finfo.mode == esp_pkg::GcmEncrypt),
    .pop_i  (hash_valid), .data_o (tag_enc),
    .empty_o (), .full_o (), .almost_full_o (), .count_o ()
  );

  assign tag       = hash ^ ej0_head;
  assign finfo_pop = eng_go && eng_q == EngLen;
  assign key_pop   = eng_go && eng_q == EngAad;
  assign ej0_pop   = hash_valid;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni)     eng_q <= EngAad;
    else             eng_q <= eng_d;
  end

  logic [127:0] enc_tag, dec_tag;
  logic enc_tag_empty, dec_tag_empty, enc_tag_pop, dec_tag_pop;

  sync_fifo #(.Width(128), .Depth(8)) u_enc_tagq (
    .clk_i, .rst_ni,
    .push_i (hash_valid && tag_enc), .data_i (bswap(tag)),
    .pop_i  (enc_tag_pop), .data_o (enc_tag),
    .empty_o (enc_tag_empty), .full_o (), .almost_full_o (), .count_o (enc_tag_count)
  );

  sync_fifo #(.Width(128), .Depth(8)) u_dec_tagq (
    .clk_i, .rst_ni,
    .push_i (hash_valid && !tag_enc), .data_i (bswap(tag)),
    .pop_i  (dec_tag_pop), .data_o (dec_tag),
    .empty_o (dec_tag_empty), .full_o (), .almost_full_o (), .count_o (dec_tag_count)
  );

  // =======================================================================================
  // Decrypt status: tag against received ICV, and the trailer.
  // =======================================================================================
  assign st_valid_o = !dec_tag_empty && !icv_empty && !trl_empty;
  assign dec_tag_pop = st_valid_o && st_ready_i;
  assign icv_pop     = dec_tag_pop;
  assign trl_pop     = dec_tag_pop;
  always_comb begin
    st_o.tag_ok = dec_tag == icv_head;
    st_o.trailer_ok = trailer_head.ok;
    st_o.pad_len = trailer_head.pad_len;
    st_o.next_hdr = trailer_head.next_hdr;
  end

  // =======================================================================================
  // Output: the tag goes into the ICV bytes of encrypted frames.
  // =======================================================================================
  logic         need_tag, out_go, skid_ready;
  logic [127:0] m_data_d;

  typedef struct packed {
    logic         last;
    logic [15:0]  keep;
    logic [127:0] data;
  } m_beat_t;
  m_beat_t m_in, m_beat;

  assign need_tag    = ob_head.encrypt && ob_head.icv_mask != '0;
  assign out_go      = !ob_empty && (!need_tag || !enc_tag_empty) && skid_ready;
  assign ob_pop      = out_go;
  assign enc_tag_pop = out_go && need_tag && ob_head.icv_last;
  assign m_data_d    = need_tag ? ((ob_head.data & ~bytes(ob_head.icv_mask)) |
                                   (rotl(enc_tag, ob_head.icv_off) & bytes(ob_head.icv_mask)))
                                : ob_head.data;
  always_comb begin
    m_in.last = ob_head.last;
    m_in.keep = ob_head.keep;
    m_in.data = m_data_d;
  end

  stream_skid #(.DataW($bits(m_in))) u_out (
    .clk_i, .rst_ni,
    .s_valid_i (out_go), .s_ready_o (skid_ready), .s_data_i (m_in),
    .m_valid_o, .m_ready_i, .m_data_o (m_beat)
  );

  assign m_data_o = m_beat.data;
  assign m_keep_o = m_beat.keep;
  assign m_last_o = m_beat.last;

endmodule
