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
//    an engine beside the pipe hashes one block per clock (AAD, text blocks, lengths)
//    through `ghash` and queues the tag. It needs two more clocks per frame than the frame
//    has text blocks, which the frame's header beats leave it.
//  - Encrypted beats wait in an output queue; a beat holding ICV bytes leaves once its tag
//    is there. Under back-to-back traffic the queue keeps a few beats of slack, so the wait
//    costs nothing after the first frame.
//  - A decrypted frame that ends before its ICV does (a truncated datagram, known only at
//    its last beat) is cut there: its last beat queues the GHASH block, ICV and trailer
//    entries still missing, so the frame costs its own beats and no more, and its status
//    (trailer failed) is the receiver's to discard. Encrypted frames always come whole.
//  - Timing (docs/architecture.md, the GCM stage map): every stage is at most about five
//    LUT levels. The pipe from the input register to the queues runs free, with a valid bit
//    per stage and no enable on its data; `s_ready_o` is a register, high while every
//    queue has room for all the pipe may still push into it.
module esp_gcm #(
  // 0: the instance only encrypts (TX). The trailer check's byte logic is left out, so that
  // a Verilated model does not evaluate it on every clock (synthesis drops it anyway, its
  // status unread); a decrypt context is then a checking-build error.
  parameter bit Decrypt = 1'b1
) (
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

  // The pipe runs free, one stage per clock, with a valid bit per stage and no enable on its
  // data: a beat is taken only while every queue behind the pipe has room for all that the
  // pipe may still push into it (InFlight beats, a push per queue and beat at most; frames
  // of three beats at least: text_start >= 32, the ICV after the text).
  localparam int InFlight   = 24;
  localparam int BeatQDepth = 64;
  localparam int XQDepth    = 32;
  localparam int FrameQDepth = 32;
  localparam int FramesInFlight = InFlight / 3 + 1;
  logic room_q;

  // =======================================================================================
  // Input, two stages:
  //   in   the beat and, with a frame's first beat, its context, registered as taken; beside
  //        it, the beat's index compared with the frame's positions (below)
  //   slot the beat's bytes classified and its AES input chosen, registered for round 1
  // A frame's positions (text start and end, ICV, trailer, last GHASH block) are derived from
  // its context in one clock beside the beats; each later beat's index is compared with them
  // as the beat is taken, so that the slot stage only combines registered flags. Beats 0 and
  // 1 carry no text (text_start >= 32): beat 2 is taken two clocks after beat 0 at the
  // earliest, when the positions are there; the flags of beats 0 and 1 are never used.
  // =======================================================================================
  logic               first_q;      // the next beat taken is a frame's first
  logic               one_q;        // its second
  logic               later_q;      // its third or later
  logic [PosW-1:0]    pos_q;        // and its position
  logic               fire;

  assign fire      = s_valid_i && room_q;
  assign s_ready_o = room_q;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      first_q <= 1'b1;
      one_q   <= 1'b0;
      later_q <= 1'b0;
      pos_q   <= '0;
    end else if (fire) begin
      first_q <= s_last_i;
      one_q   <= first_q && !s_last_i;
      later_q <= !first_q && !s_last_i;
      pos_q   <= s_last_i ? '0 : pos_q + PosW'(16);
    end
  end

  // ---- in ------------------------------------------------------------------------------
  logic               in_valid_q, in_first_q, in_last_q;
  logic [15:0]        in_keep_q;
  logic [127:0]       in_data_q;
  // The context of the frame being taken in. Its key is held only while the frame is: from
  // the first beat to the clock its last beat spends here, then zeroed on each clock between
  // frames (and so on the first clock after a reset). The AES pipe takes its key from here,
  // with the beat's block, on every clock (docs/architecture.md, "Key hygiene").
  esp_pkg::gcm_ctx_t  ctx_q;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) in_valid_q <= 1'b0;
    else         in_valid_q <= fire;
  end

  always_ff @(posedge clk_i) begin
    in_first_q <= first_q;
    in_last_q  <= s_last_i;
    in_keep_q  <= s_keep_i;
    in_data_q  <= s_data_i;
    if (fire && first_q) ctx_q <= s_ctx_i;
    if (first_q && !fire) ctx_q.key <= '0;
  end

  // The frame's positions, one clock from the context (two adders at most), as beat index
  // and byte: first text byte ts (from the context itself), text end te = ts + text_len,
  // the beat after te's, the trailer's last three bytes (te - 3, te - 2, te - 1), the last
  // ICV byte (te + 15), the beat completing the last GHASH text block; the byte masks of ts
  // and te within their beats; the counter of beat 0 (2 - ts's beat: text beat j, beat
  // ts / 16 + j, takes 2 + j).
  logic [PosW-1:0] te_full, run_full, pad_full, nh_full;
  logic [PosW-5:0] ts_beat, text_blocks;
  logic [PosW-5:0] te_beat_q, te1_beat_q, run_beat_q, pad_beat_q, nh_beat_q, icv_last_q, xl_beat_q;
  logic [PosW-1:0] ctr0_q;
  logic [3:0]      te_off_q;
  logic [15:0]     ts_from_q, te_from_q, run_oh_q, pad_oh_q, nh_oh_q;

  // One-hot: byte b of the beat.
  function automatic logic [15:0] byte_at(input logic [3:0] b);
    byte_at = 16'h1 << b;
  endfunction

  assign ts_beat     = ctx_q.text_start[PosW-1:4];
  assign te_full     = ctx_q.text_start + ctx_q.text_len;
  assign run_full    = te_full - PosW'(3);
  assign pad_full    = te_full - PosW'(2);
  assign nh_full     = te_full - PosW'(1);
  assign text_blocks = (PosW-4)'((ctx_q.text_len + PosW'(15)) >> 4);

  always_ff @(posedge clk_i) begin
    te_beat_q  <= te_full[PosW-1:4];
    te1_beat_q <= te_full[PosW-1:4] + (PosW-4)'(1);
    te_off_q   <= te_full[3:0];
    run_beat_q <= run_full[PosW-1:4];
    pad_beat_q <= pad_full[PosW-1:4];
    nh_beat_q  <= nh_full[PosW-1:4];
    run_oh_q   <= byte_at(run_full[3:0]);
    pad_oh_q   <= byte_at(pad_full[3:0]);
    nh_oh_q    <= byte_at(nh_full[3:0]);
    icv_last_q <= te_full[PosW-1:4] + (PosW-4)'(te_full[3:0] != '0);  // byte te + 15
    xl_beat_q  <= ts_beat + text_blocks;
    ts_from_q  <= 16'hffff << ctx_q.text_start[3:0];
    te_from_q  <= 16'hffff << te_full[3:0];
    ctr0_q     <= PosW'(2) - PosW'(ts_beat);
  end

  // The beat's index against the positions, as it is taken (its frame's context is in ctx_q
  // from beat 1 on, the positions from beat 2 on), qualified by the frame's mode and "beat 2
  // or later" where the slot stage would.
  logic            crypto, decrypt_in, cl, dl;
  logic [PosW-5:0] nb;
  logic            in_one_q;
  logic            in_gt_ts_q, in_eq_ts_q, in_lt_te_q, in_eq_te_q, in_eq_te1_q;
  logic            in_le_xl_q, in_eq_xl_q, in_eq_icvl_q, in_cut_ok_q;
  logic            in_trl_eq_q, in_trl_lt_q, in_eq_run_q, in_eq_pad_q, in_eq_nh_q;
  logic [PosW-1:0] in_ctr_q;

  assign crypto     = ctx_q.mode != esp_pkg::GcmNone;
  assign decrypt_in = ctx_q.mode == esp_pkg::GcmDecrypt;
  assign cl         = crypto && later_q;
  assign dl         = decrypt_in && later_q;
  assign nb         = pos_q[PosW-1:4];

  always_ff @(posedge clk_i) begin
    in_one_q     <= one_q;
    in_gt_ts_q   <= cl && nb > ts_beat;
    in_eq_ts_q   <= cl && nb == ts_beat;
    in_lt_te_q   <= cl && nb < te_beat_q;
    in_eq_te_q   <= cl && nb == te_beat_q;
    in_eq_te1_q  <= cl && nb == te1_beat_q;
    in_le_xl_q   <= cl && nb <= xl_beat_q;
    in_eq_xl_q   <= cl && nb == xl_beat_q;
    in_eq_icvl_q <= cl && nb == icv_last_q;
    // A decrypted frame cut before its ICV's last byte, if this beat is its last. Its last
    // beat is beat 2 or later (an ESP frame holds its ESP header, bytes 34..41 at least), so
    // the positions are there.
    in_cut_ok_q  <= dl && nb < icv_last_q;
    in_trl_eq_q  <= dl && nb == nh_beat_q;
    in_trl_lt_q  <= dl && nb < nh_beat_q;
    in_eq_run_q  <= nb == run_beat_q;
    in_eq_pad_q  <= nb == pad_beat_q;
    in_eq_nh_q   <= nb == nh_beat_q;
    in_ctr_q     <= PosW'(nb) + ctr0_q;
  end

  // ---- slot ------------------------------------------------------------------------------
  logic               cut;
  logic [15:0]        from_ts, below_te, text_mask;
  esp_pkg::gcm_slot_t slot_in;
  logic [127:0]       aes_in;

  assign from_ts    = in_gt_ts_q ? 16'hffff : in_eq_ts_q ? ts_from_q : 16'h0;
  assign below_te   = in_lt_te_q ? 16'hffff : in_eq_te_q ? ~te_from_q : 16'h0;
  assign text_mask  = from_ts & below_te & in_keep_q;
  assign cut        = in_last_q && in_cut_ok_q;

  always_comb begin
    slot_in.mode       = ctx_q.mode;
    slot_in.h_slot     = crypto && in_first_q;
    slot_in.j0_slot    = crypto && in_one_q;
    slot_in.text_mask  = text_mask;
    // The ICV: bytes te_off.. of beat te, then bytes ..te_off-1 of the next.
    slot_in.icv_mask   = ((in_eq_te_q ? te_from_q : '0) | (in_eq_te1_q ? ~te_from_q : '0)) &
                         in_keep_q;
    slot_in.text_beat  = text_mask != '0;
    // Text block j is complete once the beat after the one holding its start has passed.
    // A cut frame queues its last GHASH block, its ICV and its trailer here if it has not
    // yet: whatever it holds, the frame's status fails.
    slot_in.push_x     = in_le_xl_q && (in_gt_ts_q || cut);
    slot_in.x_last     = in_eq_xl_q || cut;
    slot_in.icv_first  = in_eq_te_q;
    slot_in.icv_last   = in_eq_icvl_q || cut;
    slot_in.trl_done   = in_trl_eq_q || (cut && in_trl_lt_q);
    slot_in.cut        = cut;
    slot_in.run_sel    = (in_eq_run_q ? run_oh_q : '0) & text_mask;
    slot_in.pad_sel    = (in_eq_pad_q ? pad_oh_q : '0) & text_mask;
    slot_in.nh_sel     = (in_eq_nh_q  ? nh_oh_q  : '0) & text_mask;
    slot_in.text_off   = ctx_q.text_start[3:0];
    slot_in.icv_off    = te_off_q;
    slot_in.text_len   = ctx_q.text_len;
    slot_in.last       = in_last_q;
    slot_in.keep       = in_keep_q;
    slot_in.data       = in_data_q;

    // Counter blocks (SP 800-38D section 7.1): text beat j of the frame takes J0 + 1 + j.
    // Only the H slot, the J0 slot and text beats use their block, so every other beat takes
    // the counter block too: the choice is then of registers only.
    if (slot_in.h_slot)       aes_in = '0;
    else if (slot_in.j0_slot) aes_in = gcm_pkg::j0_block(ctx_q.nonce);
    else aes_in = gcm_pkg::ctr_block(ctx_q.nonce, {{(32-PosW){1'b0}}, in_ctr_q});
  end

  // Per frame, for the GHASH engine.
  esp_pkg::gcm_frame_t finfo_in, finfo;
  logic finfo_empty, finfo_pop;
  logic [$clog2(FrameQDepth):0] finfo_count;
  always_comb begin
    finfo_in.encrypt   = ctx_q.mode == esp_pkg::GcmEncrypt;
    finfo_in.no_text   = ctx_q.text_len == '0;
    finfo_in.tag_rot   = te_full[1:0];
    finfo_in.aad       = ctx_q.aad;
    finfo_in.aad12     = ctx_q.aad12;
    finfo_in.text_len  = ctx_q.text_len;
  end

  sync_fifo #(.Width($bits(finfo_in)), .Depth(FrameQDepth)) u_finfo (
    .clk_i, .rst_ni,
    .push_i (in_valid_q && in_first_q && crypto), .data_i (finfo_in),
    .pop_i  (finfo_pop), .data_o (finfo),
    .empty_o (finfo_empty), .full_o (), .almost_full_o (), .count_o (finfo_count)
  );

  // =======================================================================================
  // AES pipe.
  // =======================================================================================
  logic               aes_valid;
  logic [127:0]       aes_block;
  esp_pkg::gcm_slot_t sl;

  // Each beat's slot rides the pipe beside its block (`side`): a delay line of 15 stages
  // with no reset, which synthesis maps to shift-register LUTs (SRL16E), about one LUT per
  // bit, rather than a queue of 16 x 258 bits in LUTRAM. The beat in `in` enters with its
  // block and its frame's key; the pipe's stage 0 registers them (the slot stage).
  aes_cipher_pipe #(.SideW($bits(slot_in))) u_aes (
    .clk_i, .rst_ni,
    .en_i     (1'b1),
    .key_i    (ctx_q.key),
    .key256_i (ctx_q.key256),
    .valid_i  (in_valid_q),
    .block_i  (aes_in),
    .side_i   (slot_in),
    .valid_o  (aes_valid),
    .block_o  (aes_block),
    .side_o   (sl)
  );

  // =======================================================================================
  // After the AES pipe, each beat takes one stage per clock:
  //   p0  the block and the beat's slot, registered
  //   p1  keystream rotated into place and applied: the output beat (queued); the
  //       ciphertext to hash; H, E(K, J0) and the received ICV taken
  //   p2  GHASH blocks assembled from two neighbouring beats (queued); per trailer byte the
  //       run's local conditions: a pad byte 1, or one more than the byte before it
  //   p3  the run across the beat without what came before: a parallel prefix, first half
  //   p4  the prefix's second half
  //   p5  the run joined with the previous beat's; the bytes at the trailer's positions kept
  //   p6  the trailer's verdict (queued)
  // =======================================================================================
  // ---- p0 --------------------------------------------------------------------------------
  logic               p0_valid_q;
  logic [127:0]       p0_block_q;
  logic [127:0]       p0_ks_q;      // the keystream, rotated by text_start mod 4 (bytes)
  esp_pkg::gcm_slot_t p0;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) p0_valid_q <= 1'b0;
    else         p0_valid_q <= aes_valid;
  end

  // p0 takes the slot only with a block (nothing reads it otherwise): a register of its own,
  // not the last stage of the delay line's shift-register LUTs, whose output is a LUT level
  // later than a flip-flop's.
  // The keystream's rotation by text_start mod 16 is split over p0 and p1, a 4:1 choice each.
  always_ff @(posedge clk_i) begin
    p0_block_q <= aes_block;
    p0_ks_q    <= rotl(gcm_pkg::bswap(aes_block), {2'b0, sl.text_off[1:0]});
    if (aes_valid) p0 <= sl;
  end

  // ---- p1: keystream, output beat, ICV -----------------------------------------------------
  logic         p1_step;
  logic [127:0] ks_rot, ks_rot_prev_q, ks, out_data, ct;
  logic [15:0]  from_current;
  logic         decrypt, encrypt;

  assign p1_step = p0_valid_q;
  assign decrypt = p0.mode == esp_pkg::GcmDecrypt;
  assign encrypt = p0.mode == esp_pkg::GcmEncrypt;

  always_comb begin
    // Keystream byte b of a beat comes from the current counter block if b >= text_off,
    // else from the previous one.
    ks_rot       = rotl(p0_ks_q, {p0.text_off[3:2], 2'b0});
    from_current = 16'hffff << p0.text_off;
    ks           = (ks_rot & bytes(from_current)) | (ks_rot_prev_q & ~bytes(from_current));
    out_data     = p0.data ^ (ks & bytes(p0.text_mask));
    // GHASH runs over the ciphertext.
    ct           = (decrypt ? p0.data : out_data) & bytes(p0.text_mask);
  end

  always_ff @(posedge clk_i) begin
    if (p1_step && p0.text_beat) ks_rot_prev_q <= ks_rot;
  end

  // H and E(K, J0) of each frame: H goes to GHASH with the frame's first block, E(K, J0)
  // waits for its hash.
  logic [127:0] h_hold_q, h_head;
  logic key_empty, key_pop;
  logic [$clog2(FrameQDepth):0] key_count, ej0_count;

  always_ff @(posedge clk_i) begin
    if (p1_step && p0.h_slot) h_hold_q <= p0_block_q;
  end

  sync_fifo #(.Width(128), .Depth(FrameQDepth)) u_keyq (
    .clk_i, .rst_ni,
    .push_i (p1_step && p0.j0_slot), .data_i (h_hold_q),
    .pop_i  (key_pop), .data_o (h_head),
    .empty_o (key_empty), .full_o (), .almost_full_o (), .count_o (key_count)
  );

  // E(K, J0) waits in gcm_tag's queue (u_tag.u_ej0q) for its hash.

  // The received ICV (decrypt): ICV byte k sits at beat byte (icv_off + k) mod 16.
  logic [127:0] icv_q, icv_d, icv_head;
  logic icv_push, icv_pop;
  logic [$clog2(FrameQDepth):0] icv_count;
  assign icv_d = (p0.icv_first ? '0 : icv_q) | rotr(p0.data & bytes(p0.icv_mask), p0.icv_off);

  always_ff @(posedge clk_i) begin
    if (p1_step && p0.icv_mask != '0) icv_q <= icv_d;
  end

  assign icv_push = p1_step && decrypt && p0.icv_last;

  sync_fifo #(.Width(128), .Depth(FrameQDepth)) u_icvq (
    .clk_i, .rst_ni,
    .push_i (icv_push), .data_i (icv_d),
    .pop_i  (icv_pop), .data_o (icv_head),
    .empty_o (), .full_o (), .almost_full_o (), .count_o (icv_count)
  );

  // Beats on their way out.
  esp_pkg::gcm_out_beat_t ob_in, ob_head;
  logic ob_empty, ob_pop;
  logic [$clog2(BeatQDepth):0] ob_count;
  always_comb begin
    ob_in.need_tag = encrypt && p0.icv_mask != '0;
    ob_in.icv_last = p0.icv_last;
    ob_in.tag_mask = encrypt ? p0.icv_mask : '0;
    ob_in.tag_rot  = p0.icv_off[3:2];
    ob_in.last     = p0.last;
    ob_in.keep     = p0.keep;
    ob_in.data     = out_data;
  end

  // In block RAM (64 x 167 bits); its head, and the tag wait decided from it, come from the
  // small queue `ram_fifo` reads it ahead into.
  ram_fifo #(.Width($bits(ob_in)), .Depth(BeatQDepth)) u_outq (
    .clk_i, .rst_ni,
    .push_i (p1_step), .data_i (ob_in),
    .pop_i  (ob_pop), .data_o (ob_head),
    .empty_o (ob_empty), .count_o (ob_count)
  );

  // What p2 needs of the beat.
  typedef struct packed {
    logic            h_slot;
    logic            text_beat;
    logic            push_x;
    logic            x_last;
    logic            trl_done;
    logic            cut;
    logic [3:0]      text_off;
    logic [15:0]     text_mask;
    logic [15:0]     low_bytes; // bytes 0 .. 15 - text_off: a GHASH block's part of this beat
    logic [15:0]     run_sel;
    logic [15:0]     pad_sel;
    logic [15:0]     nh_sel;
    logic [PosW-1:0] text_len;
    logic [127:0]    ct;        // the text bytes of the ciphertext, in place
    logic [127:0]    pt;        // the beat as it leaves (the plaintext, decrypting)
  } p1_t;
  p1_t  p1_d, p1;
  logic p1_valid_q;

  always_comb begin
    p1_d.h_slot    = p0.h_slot;
    p1_d.text_beat = p0.text_beat;
    p1_d.push_x    = p0.push_x;
    p1_d.x_last    = p0.x_last;
    p1_d.trl_done  = p0.trl_done;
    p1_d.cut       = p0.cut;
    p1_d.text_off  = p0.text_off;
    p1_d.text_mask = p0.text_mask;
    p1_d.low_bytes = 16'hffff >> p0.text_off;  // a shift: no carry chain for the mapper to share
    p1_d.run_sel   = p0.run_sel;
    p1_d.pad_sel   = p0.pad_sel;
    p1_d.nh_sel    = p0.nh_sel;
    p1_d.text_len  = p0.text_len;
    p1_d.ct        = ct;
    p1_d.pt        = out_data;
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) p1_valid_q <= 1'b0;
    else         p1_valid_q <= p0_valid_q;
  end

  always_ff @(posedge clk_i) begin
    p1 <= p1_d;
  end

  // ---- p2: GHASH blocks; the trailer's byte conditions ------------------------------------
  logic         p2_step;
  logic [127:0] ct_rot, ct_rot_prev_q, x_block;

  assign p2_step = p1_valid_q;

  always_comb begin
    // GHASH block k = bytes text_off.. of text beat k, then bytes ..text_off-1 of beat k+1
    // (the mask of the former from p1, a register).
    ct_rot    = rotr(p1.ct, p1.text_off);
    x_block   = (ct_rot_prev_q & bytes(p1.low_bytes)) | (ct_rot & ~bytes(p1.low_bytes));
  end

  always_ff @(posedge clk_i) begin
    if (p2_step && p1.text_beat) ct_rot_prev_q <= ct_rot;
  end

  // GHASH blocks of the text, in GCM bit order (32 x 128 bits: 4 kbit, LUTRAM); beside them,
  // whether each is its frame's last.
  logic [127:0] x_head;
  logic x_empty, x_pop, x_last;
  logic [$clog2(XQDepth):0] x_count;

  sync_fifo #(.Width(128), .Depth(XQDepth)) u_xq (
    .clk_i, .rst_ni,
    .push_i (p2_step && p1.push_x), .data_i (gcm_pkg::bswap(x_block)),
    .pop_i  (x_pop), .data_o (x_head),
    .empty_o (x_empty), .full_o (), .almost_full_o (), .count_o (x_count)
  );

  sync_fifo #(.Width(1), .Depth(XQDepth)) u_xlastq (
    .clk_i, .rst_ni,
    .push_i (p2_step && p1.push_x), .data_i (p1.x_last),
    .pop_i  (x_pop), .data_o (x_last),
    .empty_o (), .full_o (), .almost_full_o (), .count_o ()
  );

  // Trailer (decrypt, RFC 4303 section 2.4): pad length at text byte C-2, next header at
  // C-1, and the run 1, 2, 3, ... ending at C-3 must be as long as the pad. A run ends at a
  // text byte b exactly when b is 1, or b is one more than the byte before and a run ends
  // there: a carry chain, with "b == 1" generating and "b == previous + 1" propagating. The
  // run's length at C-3 is then the byte itself.
  typedef struct packed {
    logic            h_slot;
    logic            trl_done;
    logic            cut;
    logic            has_run, has_pad, has_nh;
    logic [PosW-1:0] text_len;
    logic [15:0]     run_sel;
    logic [7:0]      run_byte, pad_byte, nh_byte;
    logic [15:0]     gen, prop;     // p2: per byte; p4: over bytes 0..i
  } trl_t;
  trl_t p2_d, p2, p3_d, p3;
  logic [7:0] last_byte_q;          // byte 15 of the beat before
  logic       p2_valid_q, p3_valid_q;

  // b == a + 1 without an adder (a carry chain ahead of a compare is deeper): bit i of a + 1
  // is a[i] flipped where a's bits below i are all ones.
  function automatic logic is_next(input logic [7:0] b, input logic [7:0] a);
    logic [7:0] flip;
    flip[0] = 1'b1;
    for (int i = 1; i < 8; i++) flip[i] = flip[i - 1] & a[i - 1];
    is_next = b == (a ^ flip);
  endfunction

  always_comb begin
    logic [7:0] b, prev_b;
    p2_d.h_slot   = p1.h_slot;
    p2_d.trl_done = p1.trl_done;
    p2_d.cut      = p1.cut;
    p2_d.has_run  = p1.run_sel != '0;
    p2_d.has_pad  = p1.pad_sel != '0;
    p2_d.has_nh   = p1.nh_sel != '0;
    p2_d.text_len = p1.text_len;
    p2_d.run_sel  = p1.run_sel;
    p2_d.run_byte = '0;
    p2_d.pad_byte = '0;
    p2_d.nh_byte  = '0;
    p2_d.gen      = '0;
    p2_d.prop     = '0;
    if (Decrypt) begin
      for (int i = 0; i < 16; i++) begin
        b      = p1.pt[8*i +: 8];
        prev_b = (i == 0) ? last_byte_q : p1.pt[8*i - 8 +: 8];
        p2_d.gen[i]  = p1.text_mask[i] && b == 8'd1;
        p2_d.prop[i] = p1.text_mask[i] && is_next(b, prev_b);
        p2_d.run_byte = p2_d.run_byte | (p1.run_sel[i] ? b : 8'd0);
        p2_d.pad_byte = p2_d.pad_byte | (p1.pad_sel[i] ? b : 8'd0);
        p2_d.nh_byte  = p2_d.nh_byte  | (p1.nh_sel[i]  ? b : 8'd0);
      end
    end
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      p2_valid_q <= 1'b0;
      p3_valid_q <= 1'b0;
    end else begin
      p2_valid_q <= p1_valid_q;
      p3_valid_q <= p2_valid_q;
    end
  end

  always_ff @(posedge clk_i) begin
    p2 <= p2_d;
    if (p2_step) last_byte_q <= p1.pt[127:120];
  end

  // ---- p3, p4: the run over bytes 0..i of the beat, a Kogge-Stone prefix in four steps, two
  // per clock (spans 1 and 2, then 4 and 8) --------------------------------------------------
  /* verilator lint_off UNUSEDSIGNAL */
  trl_t p4_d, p4;
  /* verilator lint_on UNUSEDSIGNAL */
  logic p4_valid_q;

  // The prefix steps of spans from..to-1 (powers of two) over a beat's 16 bytes: gen[i], a
  // run ends at byte i; prop[i], the bytes continue the run before them. Each step makes a
  // bit a function of three; two steps a clock, a function of seven: two LUT levels.
  function automatic logic [31:0] prefix_steps(input logic [15:0] gen, input logic [15:0] prop,
                                               input int from, input int to);
    logic [15:0] g, p, g_next, p_next;
    g = gen;
    p = prop;
    for (int span = from; span < to; span = span * 2) begin
      for (int i = 0; i < 16; i++) begin
        if (i >= span) begin
          g_next[i] = g[i] | (p[i] & g[i - span]);
          p_next[i] = p[i] & p[i - span];
        end else begin
          g_next[i] = g[i];
          p_next[i] = p[i];
        end
      end
      g = g_next;
      p = p_next;
    end
    prefix_steps = {g, p};
  endfunction

  always_comb begin
    p3_d = p2;
    if (Decrypt) {p3_d.gen, p3_d.prop} = prefix_steps(p2.gen, p2.prop, 1, 4);
  end

  // After p4: gen[i], a run ends at byte i, counting only bytes 0..i; prop[i], bytes 0..i
  // all continue a run that ends before the beat.
  always_comb begin
    p4_d = p3;
    if (Decrypt) {p4_d.gen, p4_d.prop} = prefix_steps(p3.gen, p3.prop, 4, 16);
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) p4_valid_q <= 1'b0;
    else         p4_valid_q <= p3_valid_q;
  end

  // Taken with a beat only: registers of their own, not a shift-register LUT (p2 to p4 would
  // otherwise be one, its output a LUT level late).
  always_ff @(posedge clk_i) begin
    if (p2_valid_q) p3 <= p3_d;
    if (p3_valid_q) p4 <= p4_d;
  end

  // ---- p5: joined with the beat before; the trailer's bytes kept ---------------------------
  logic       p5_step, run_in_q, run_ends;
  logic [7:0] run_at_q, pad_len_q, next_hdr_q;
  logic       done_q, cut_q, len_ok_q;
  logic [PosW-1:0] pad_max_q;

  assign p5_step  = p4_valid_q;
  // The prefix at the byte run_sel picks (C-3): a run ends there, counting the beat's bytes
  // alone or continuing one from the beat before.
  assign run_ends = |(p4.run_sel & p4.gen) || (|(p4.run_sel & p4.prop) && run_in_q);

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      done_q <= 1'b0;
    end else begin
      done_q <= p4_valid_q && p4.trl_done;
    end
  end

  always_ff @(posedge clk_i) begin
    if (p5_step) begin
      // A run reaches the next beat if it ends at byte 15.
      run_in_q   <= p4.gen[15] | (p4.prop[15] & run_in_q);
      if (p4.h_slot)       run_at_q <= '0;
      else if (p4.has_run) run_at_q <= run_ends ? p4.run_byte : 8'd0;
      if (p4.h_slot)       pad_len_q <= '0;
      else if (p4.has_pad) pad_len_q <= p4.pad_byte;
      if (p4.h_slot)       next_hdr_q <= '0;
      else if (p4.has_nh)  next_hdr_q <= p4.nh_byte;
      cut_q     <= p4.cut;
      len_ok_q  <= p4.text_len >= PosW'(2);
      pad_max_q <= p4.text_len - PosW'(2);
    end
  end

  // ---- p6: the verdict --------------------------------------------------------------------
  esp_pkg::trailer_t trailer_in, trailer_head;
  /* verilator lint_off UNUSEDSIGNAL */
  logic trl_empty;  // read by the checking build's assertion on st_valid_q only
  /* verilator lint_on UNUSEDSIGNAL */
  logic trl_pop;
  logic [$clog2(FrameQDepth):0] trl_count;

  always_comb begin
    trailer_in.pad_len  = pad_len_q;
    trailer_in.next_hdr = next_hdr_q;
    trailer_in.ok       = !cut_q && len_ok_q && ({6'b0, pad_len_q} <= pad_max_q) &&
                          (pad_len_q == 8'd0 || run_at_q == pad_len_q);
  end

  sync_fifo #(.Width($bits(trailer_in)), .Depth(FrameQDepth)) u_trlq (
    .clk_i, .rst_ni,
    .push_i (done_q), .data_i (trailer_in),
    .pop_i  (trl_pop), .data_o (trailer_head),
    .empty_o (trl_empty), .full_o (), .almost_full_o (), .count_o (trl_count)
  );

  // Room for what the pipe holds, the beat taken now, and the clock room_q lags by.
  localparam int FrameRoom = FrameQDepth - FramesInFlight - 2;
  logic room_d;
  assign room_d = ob_count    <= ($clog2(BeatQDepth)+1)'(BeatQDepth - InFlight - 2) &&
                  x_count     <= ($clog2(XQDepth)+1)'(XQDepth - InFlight - 2) &&
                  finfo_count <= ($clog2(FrameQDepth)+1)'(FrameRoom) &&
                  key_count   <= ($clog2(FrameQDepth)+1)'(FrameRoom) &&
                  ej0_count   <= ($clog2(FrameQDepth)+1)'(FrameRoom) &&
                  icv_count   <= ($clog2(FrameQDepth)+1)'(FrameRoom) &&
                  trl_count   <= ($clog2(FrameQDepth)+1)'(FrameRoom);

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) room_q <= 1'b0;
    else         room_q <= room_d;
  end

  // =======================================================================================
  // GHASH engine: per frame the AAD block, the text blocks, the length block, one per clock
  // into `gcm_tag` (`ghash`); its hash plus E(K, J0) is the tag.
  // =======================================================================================
  typedef enum logic [1:0] {
    EngAad = 2'd0,
    EngText = 2'd1,
    EngLen = 2'd2
  } eng_state_e;

  eng_state_e   eng_q, eng_d;
  logic [127:0] blk, tag;
  logic         eng_go, go_aad, go_text, ghash_step;
  logic [3:0]   enc_tag_count, ok_count;
  logic         len_go_q;
  logic [$clog2(FrameQDepth):0] icv_avail_q;

  // The length block goes when its tag has room beside the one at most still inside `ghash`
  // and, decrypting, once the frame's received ICV is queued, so that the tag meets it at the
  // head of the ICV queue. Registered from the clock before (a tag queue takes one push a
  // clock, hence one entry of margin), so that the engine decides on registers and queue
  // heads alone.
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) len_go_q <= 1'b0;
    else         len_go_q <= finfo.encrypt ? enc_tag_count <= 4'd4
                                           : ok_count <= 4'd4 && icv_avail_q != '0;
  end

  // Received ICVs queued whose frame's length block has not gone yet.
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) icv_avail_q <= '0;
    else icv_avail_q <= icv_avail_q + ($clog2(FrameQDepth)+1)'(icv_push)
                        - ($clog2(FrameQDepth)+1)'(eng_q == EngLen && len_go_q && !finfo.encrypt);
  end

  // The frame starts only once its first text block is there too: from then on its blocks
  // come one per clock, so the frame before it leaves `ghash` (two steps) without waiting.
  assign go_aad  = !finfo_empty && !key_empty && (finfo.no_text || !x_empty);
  assign go_text = !x_empty;

  always_comb begin
    eng_d  = eng_q;
    eng_go = 1'b0;
    blk    = '0;
    unique case (eng_q)
      EngAad: begin
        // AAD zero-padded to one block (SP 800-38D section 6.4).
        blk    = finfo.aad12 ? {finfo.aad, 32'b0} : {finfo.aad[95:32], 64'b0};
        eng_go = go_aad;
        eng_d  = finfo.no_text ? EngLen : EngText;
      end
      EngText: begin
        blk    = x_head;
        eng_go = go_text;
        eng_d  = x_last ? EngLen : EngText;
      end
      EngLen: begin
        blk    = gcm_pkg::len_block(finfo.aad12 ? 61'd12 : 61'd8, 61'(finfo.text_len));
        eng_go = len_go_q;
        eng_d  = EngAad;
      end
      default: eng_d = EngAad;
    endcase
    if (!eng_go) eng_d = eng_q;
  end

  // Inside a frame `ghash` steps with its blocks only; between frames it runs free. Written
  // per state, so that the step (the clock enable of all of `ghash`) is one LUT.
  assign ghash_step = eng_q == EngAad || (eng_q == EngText && go_text) ||
                      (eng_q == EngLen && len_go_q);
  assign x_pop      = eng_q == EngText && go_text;

  // The tag comes out with its frame's direction and ICV offset. An encrypted frame's tag is
  // queued rotated by the ICV offset mod 4 (bytes); the output rotates it by the rest.
  logic       tag_valid, tag_enc;
  logic [1:0] tag_off;

  // The engine's choice (a queue head, the AAD or the lengths) has a register of its own
  // before `gcm_tag`, whose first stage sums the block into its lane: `ghash` steps as the
  // engine decides, a clock later.
  logic         gt_step_q, gt_valid_q, gt_first_q, gt_last_q;
  logic [127:0] gt_blk_q, gt_h_q;
  logic [2:0]   gt_side_q;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      gt_step_q  <= 1'b0;
      gt_valid_q <= 1'b0;
      gt_first_q <= 1'b0;
      gt_last_q  <= 1'b0;
    end else begin
      gt_step_q  <= ghash_step;
      gt_valid_q <= eng_go;
      gt_first_q <= eng_q == EngAad;
      gt_last_q  <= eng_q == EngLen;
    end
  end

  always_ff @(posedge clk_i) begin
    if (eng_go) begin
      gt_blk_q   <= blk;
      gt_h_q     <= h_head;
      gt_side_q  <= {finfo.encrypt, finfo.tag_rot};
    end
  end

  gcm_tag #(.SideW(3), .Depth(FrameQDepth)) u_tag (
    .clk_i, .rst_ni,
    .step_i      (gt_step_q),
    .valid_i     (gt_valid_q),
    .first_i     (gt_first_q),
    .last_i      (gt_last_q),
    .block_i     (gt_blk_q),
    .h_i         (gt_h_q),
    .side_i      (gt_side_q),
    .ej0_push_i  (p1_step && p0.j0_slot),
    .ej0_i       (p0_block_q),
    .ej0_count_o (ej0_count),
    .tag_valid_o (tag_valid),
    .tag_o       (tag),
    .side_o      ({tag_enc, tag_off})
  );

  assign finfo_pop = eng_q == EngLen && len_go_q;
  assign key_pop   = eng_q == EngAad && go_aad;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni)     eng_q <= EngAad;
    else             eng_q <= eng_d;
  end

  logic [127:0] enc_tag;
  logic enc_tag_empty, enc_tag_pop;

  sync_fifo #(.Width(128), .Depth(8)) u_enc_tagq (
    .clk_i, .rst_ni,
    .push_i (tag_valid && tag_enc), .data_i (rotl(tag, {2'b0, tag_off})),
    .pop_i  (enc_tag_pop), .data_o (enc_tag),
    .empty_o (enc_tag_empty), .full_o (), .almost_full_o (), .count_o (enc_tag_count)
  );

  // =======================================================================================
  // Decrypt status: tag against received ICV, and the trailer.
  // =======================================================================================
  // A decrypted frame's tag is compared as it comes out, with the frame's ICV at the head of
  // its queue, a byte at a time (wider compares leave the mapper chains to build); the 16
  // bytes' results wait for the trailer.
  logic [15:0] ok_in, ok_head;
  /* verilator lint_off UNUSEDSIGNAL */
  logic       ok_empty;  // read by the checking build's assertion on st_valid_q only
  /* verilator lint_on UNUSEDSIGNAL */
  logic       ok_pop;

  assign icv_pop = tag_valid && !tag_enc;
  always_comb begin
    for (int b = 0; b < 16; b++) ok_in[b] = tag[8*b +: 8] == icv_head[8*b +: 8];
  end

  sync_fifo #(.Width(16), .Depth(8)) u_okq (
    .clk_i, .rst_ni,
    .push_i (icv_pop), .data_i (ok_in),
    .pop_i  (ok_pop), .data_o (ok_head),
    .empty_o (ok_empty), .full_o (), .almost_full_o (), .count_o (ok_count)
  );

  // A status is ready when both queues hold an entry. Kept in a register, set from the
  // queues' counts and this clock's pushes and pop, so that `st_valid_o` is a flip-flop and
  // the pop goes straight into the counts (the two empty compares read combinationally put
  // them between the counts and the pop: 5.12 levels). A queue holds an entry after the
  // clock if it takes one, or holds two, or holds one and gives none.
  logic st_valid_q, ok_more, trl_more;

  assign ok_more  = icv_pop || ok_count > 4'd1 || (ok_count == 4'd1 && !ok_pop);
  assign trl_more = done_q || trl_count > ($clog2(FrameQDepth)+1)'(1) ||
                    (trl_count == ($clog2(FrameQDepth)+1)'(1) && !ok_pop);

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) st_valid_q <= 1'b0;
    else         st_valid_q <= ok_more && trl_more;
  end

  assign st_valid_o = st_valid_q;
  assign ok_pop     = st_valid_q && st_ready_i;

`ifdef IPSEC_ASSERTIONS
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
    end else begin
      assert (st_valid_q == (!ok_empty && !trl_empty)) else $error("%m: status valid out of step with its queues");
      assert (Decrypt || !(fire && first_q && s_ctx_i.mode == esp_pkg::GcmDecrypt))
        else $error("%m: a frame to decrypt entered an instance built to encrypt only");
    end
  end
`endif
  assign trl_pop    = ok_pop;
  always_comb begin
    st_o.tag_ok = &ok_head;
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

  assign need_tag    = ob_head.need_tag;
  assign out_go      = !ob_empty && (!need_tag || !enc_tag_empty) && skid_ready;
  assign ob_pop      = out_go;
  assign enc_tag_pop = out_go && need_tag && ob_head.icv_last;
  assign m_data_d    = (ob_head.data & ~bytes(ob_head.tag_mask)) |
                       (rotl(enc_tag, {ob_head.tag_rot, 2'b0}) & bytes(ob_head.tag_mask));
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
