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
  //   in   the beat and, with a frame's first beat, its context, registered as taken
  //   slot the beat's bytes classified and its AES input chosen, registered for round 1
  // A frame's positions (text end, ICV, trailer, last GHASH block) are derived from its
  // context in two more clocks beside the beats: beats 0 and 1 carry no text (text_start
  // >= 32), and beat 2 reaches the slot stage two clocks after beat 0 at the earliest.
  // =======================================================================================
  logic               first_q;      // the next beat taken is a frame's first
  logic [PosW-1:0]    pos_q;        // and its position
  logic               fire;

  assign fire      = s_valid_i && room_q;
  assign s_ready_o = room_q;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      first_q <= 1'b1;
      pos_q   <= '0;
    end else if (fire) begin
      first_q <= s_last_i;
      pos_q   <= s_last_i ? '0 : pos_q + PosW'(16);
    end
  end

  // ---- in ------------------------------------------------------------------------------
  logic               in_valid_q, in_first_q, in_last_q;
  logic [PosW-5:0]    in_beat_q;    // beat index within the frame
  logic [15:0]        in_keep_q;
  logic [127:0]       in_data_q;
  // The context of the frame being taken in. Its key is held only while the frame is: from
  // the first beat to the clock its last beat spends here, then zeroed on each clock between
  // frames (and so on the first clock after a reset). The AES pipe takes its key from here,
  // a clock ahead of the beat's block, on every clock (docs/architecture.md, "Key hygiene").
  esp_pkg::gcm_ctx_t  ctx_q;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) in_valid_q <= 1'b0;
    else         in_valid_q <= fire;
  end

  always_ff @(posedge clk_i) begin
    in_first_q <= first_q;
    in_last_q  <= s_last_i;
    in_beat_q  <= pos_q[PosW-1:4];
    in_keep_q  <= s_keep_i;
    in_data_q  <= s_data_i;
    if (fire && first_q) ctx_q <= s_ctx_i;
    if (first_q && !fire) ctx_q.key <= '0;
  end

  // The frame's positions, as beat index and byte: first text byte (ts), text end (te),
  // the trailer's last three bytes (te - 3, te - 2, te - 1), the last ICV byte (te + 15),
  // the beat completing the last GHASH text block. Two clocks from the context.
  logic [PosW-1:0] te1_q, te_q, run_q, pad_q, nh_q;
  logic [PosW-5:0] tb1_q, icv_last_q, xl_beat_q;

  always_ff @(posedge clk_i) begin
    te1_q      <= ctx_q.text_start + ctx_q.text_len;
    tb1_q      <= ctx_q.text_len[PosW-1:4] + (PosW-4)'(ctx_q.text_len[3:0] != '0);
    te_q       <= te1_q;
    run_q      <= te1_q - PosW'(3);
    pad_q      <= te1_q - PosW'(2);
    nh_q       <= te1_q - PosW'(1);
    icv_last_q <= te1_q[PosW-1:4] + (PosW-4)'(te1_q[3:0] != '0);  // byte te + 15
    xl_beat_q  <= ctx_q.text_start[PosW-1:4] + tb1_q;
  end

  // ---- slot ------------------------------------------------------------------------------
  logic               crypto, decrypt_in, later, cut;
  logic [PosW-5:0]    k, ts_beat;
  logic [3:0]         ts_off, te_off;
  logic [15:0]        from_ts, below_te, text_mask, at_run, at_pad, at_nh;
  logic               k_gt_ts, k_eq_ts, k_lt_te, k_eq_te;
  esp_pkg::gcm_slot_t slot_in;
  logic [127:0]       aes_in;
  logic [PosW-1:0]    ctr_lo;     // the counter of text beat j: 2 + j

  assign ctr_lo = PosW'(k) - PosW'(ts_beat) + PosW'(2);

  // One-hot: byte b of the beat.
  function automatic logic [15:0] byte_at(input logic [3:0] b);
    byte_at = 16'h1 << b;
  endfunction

  assign crypto     = ctx_q.mode != esp_pkg::GcmNone;
  assign decrypt_in = ctx_q.mode == esp_pkg::GcmDecrypt;
  assign later      = !in_first_q && in_beat_q != (PosW-4)'(1);  // beat 2 or later
  assign k          = in_beat_q;
  assign ts_beat    = ctx_q.text_start[PosW-1:4];
  assign ts_off     = ctx_q.text_start[3:0];
  assign te_off     = te_q[3:0];
  assign k_gt_ts    = k > ts_beat;
  assign k_eq_ts    = k == ts_beat;
  assign k_lt_te    = k < te_q[PosW-1:4];
  assign k_eq_te    = k == te_q[PosW-1:4];
  assign from_ts    = k_gt_ts ? 16'hffff : k_eq_ts ? (16'hffff << ts_off) : 16'h0;
  assign below_te   = k_lt_te ? 16'hffff : k_eq_te ? ~(16'hffff << te_off) : 16'h0;
  assign text_mask  = (crypto && later) ? (from_ts & below_te & in_keep_q) : '0;
  assign at_run     = (k == run_q[PosW-1:4]) ? byte_at(run_q[3:0]) : '0;
  assign at_pad     = (k == pad_q[PosW-1:4]) ? byte_at(pad_q[3:0]) : '0;
  assign at_nh      = (k == nh_q[PosW-1:4])  ? byte_at(nh_q[3:0])  : '0;
  // A decrypted frame cut before its ICV's last byte. Its last beat is beat 2 or later (an
  // ESP frame holds its ESP header, bytes 34..41 at least), so the positions are there.
  assign cut        = decrypt_in && later && in_last_q && k < icv_last_q;

  always_comb begin
    slot_in.mode       = ctx_q.mode;
    slot_in.h_slot     = crypto && in_first_q;
    slot_in.j0_slot    = crypto && !in_first_q && k == (PosW-4)'(1);
    slot_in.text_mask  = text_mask;
    // The ICV: bytes te_off.. of beat te, then bytes ..te_off-1 of the next.
    slot_in.icv_mask   = (crypto && later) ?
                         (((k_eq_te ? (16'hffff << te_off) : '0) |
                           ((k == te_q[PosW-1:4] + 1'b1) ? ~(16'hffff << te_off) : '0)) & in_keep_q)
                         : '0;
    slot_in.text_beat  = text_mask != '0;
    // Text block j is complete once the beat after the one holding its start has passed.
    // A cut frame queues its last GHASH block, its ICV and its trailer here if it has not
    // yet: whatever it holds, the frame's status fails.
    slot_in.push_x     = crypto && later && (k_gt_ts || cut) && k <= xl_beat_q;
    slot_in.x_last     = crypto && later && (k == xl_beat_q || cut);
    slot_in.icv_first  = crypto && later && k_eq_te;
    slot_in.icv_last   = crypto && later && (k == icv_last_q || cut);
    slot_in.trl_done   = decrypt_in && later &&
                         (k == nh_q[PosW-1:4] || (cut && k < nh_q[PosW-1:4]));
    slot_in.cut        = cut;
    slot_in.run_sel    = at_run & text_mask;
    slot_in.pad_sel    = at_pad & text_mask;
    slot_in.nh_sel     = at_nh & text_mask;
    slot_in.text_off   = ts_off;
    slot_in.icv_off    = te_off;
    slot_in.text_len   = ctx_q.text_len;
    slot_in.last       = in_last_q;
    slot_in.keep       = in_keep_q;
    slot_in.data       = in_data_q;

    // Counter blocks (SP 800-38D section 7.1): text beat j of the frame takes J0 + 1 + j.
    if (slot_in.h_slot)         aes_in = '0;
    else if (slot_in.j0_slot)   aes_in = gcm_pkg::j0_block(ctx_q.nonce);
    else if (slot_in.text_beat) aes_in = gcm_pkg::ctr_block(ctx_q.nonce, {{(32-PosW){1'b0}}, ctr_lo});
    else                        aes_in = '0;
  end

  logic               s_valid_q;
  esp_pkg::gcm_slot_t s_slot_q;
  logic [127:0]       s_block_q;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) s_valid_q <= 1'b0;
    else         s_valid_q <= in_valid_q;
  end

  always_ff @(posedge clk_i) begin
    s_slot_q   <= slot_in;
    s_block_q  <= aes_in;
  end

  // Per frame, for the GHASH engine.
  esp_pkg::gcm_frame_t finfo_in, finfo;
  logic finfo_empty, finfo_pop;
  logic [$clog2(FrameQDepth):0] finfo_count;
  always_comb begin
    finfo_in.mode     = ctx_q.mode;
    finfo_in.aad      = ctx_q.aad;
    finfo_in.aad12    = ctx_q.aad12;
    finfo_in.text_len = ctx_q.text_len;
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

  // Each beat's slot rides the pipe beside its block (`side`): a delay line of 14 stages
  // with no reset, which synthesis maps to shift-register LUTs (SRL16E), about one LUT per
  // bit, rather than a queue of 16 x 258 bits in LUTRAM. The pipe takes a block's key a
  // clock ahead of the block: the key of the beat in `in` while that beat's block is chosen.
  aes_cipher_pipe #(.SideW($bits(s_slot_q))) u_aes (
    .clk_i, .rst_ni,
    .en_i     (1'b1),
    .key_i    (ctx_q.key),
    .key256_i (ctx_q.key256),
    .valid_i  (s_valid_q),
    .block_i  (s_block_q),
    .side_i   (s_slot_q),
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
  //   p3  the run across the beat without what came before (a parallel prefix)
  //   p4  the run joined with the previous beat's; the bytes at the trailer's positions kept
  //   p5  the trailer's verdict (queued)
  // =======================================================================================
  // ---- p0 --------------------------------------------------------------------------------
  logic               p0_valid_q;
  logic [127:0]       p0_block_q;
  esp_pkg::gcm_slot_t p0;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) p0_valid_q <= 1'b0;
    else         p0_valid_q <= aes_valid;
  end

  always_ff @(posedge clk_i) begin
    p0_block_q <= aes_block;
    p0         <= sl;
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
    ks_rot       = rotl(gcm_pkg::bswap(p0_block_q), p0.text_off);
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
  logic icv_empty, icv_pop;
  logic [$clog2(FrameQDepth):0] icv_count;
  assign icv_d = (p0.icv_first ? '0 : icv_q) | rotr(p0.data & bytes(p0.icv_mask), p0.icv_off);

  always_ff @(posedge clk_i) begin
    if (p1_step && p0.icv_mask != '0) icv_q <= icv_d;
  end

  sync_fifo #(.Width(128), .Depth(FrameQDepth)) u_icvq (
    .clk_i, .rst_ni,
    .push_i (p1_step && decrypt && p0.icv_last), .data_i (icv_d),
    .pop_i  (icv_pop), .data_o (icv_head),
    .empty_o (icv_empty), .full_o (), .almost_full_o (), .count_o (icv_count)
  );

  // Beats on their way out.
  esp_pkg::gcm_out_beat_t ob_in, ob_head;
  logic ob_empty, ob_pop;
  logic [$clog2(BeatQDepth):0] ob_count;
  always_comb begin
    ob_in.need_tag = encrypt && p0.icv_mask != '0;
    ob_in.icv_last = p0.icv_last;
    ob_in.icv_off  = p0.icv_off;
    ob_in.icv_mask = p0.icv_mask;
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
  logic [15:0]  low_bytes;

  assign p2_step = p1_valid_q;

  always_comb begin
    // GHASH block k = bytes text_off.. of text beat k, then bytes ..text_off-1 of beat k+1.
    ct_rot    = rotr(p1.ct, p1.text_off);
    low_bytes = 16'(17'h1 << (5'd16 - {1'b0, p1.text_off})) - 16'h1;
    x_block   = (ct_rot_prev_q & bytes(low_bytes)) | (ct_rot & ~bytes(low_bytes));
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
    logic [15:0]     gen, prop;     // p2: per byte; p3: over bytes 0..i
  } trl_t;
  trl_t p2_d, p2, p3_d, p3;
  logic [7:0] last_byte_q;          // byte 15 of the beat before
  logic       p2_valid_q, p3_valid_q;

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
    for (int i = 0; i < 16; i++) begin
      b      = p1.pt[8*i +: 8];
      prev_b = (i == 0) ? last_byte_q : p1.pt[8*i - 8 +: 8];
      p2_d.gen[i]  = p1.text_mask[i] && b == 8'd1;
      p2_d.prop[i] = p1.text_mask[i] && b == prev_b + 8'd1;
      p2_d.run_byte = p2_d.run_byte | (p1.run_sel[i] ? b : 8'd0);
      p2_d.pad_byte = p2_d.pad_byte | (p1.pad_sel[i] ? b : 8'd0);
      p2_d.nh_byte  = p2_d.nh_byte  | (p1.nh_sel[i]  ? b : 8'd0);
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

  // ---- p3: the run over bytes 0..i of the beat, by a Kogge-Stone prefix in four steps ----

  always_comb begin
    logic [15:0] g, p, g_next, p_next;
    g = p2.gen;
    p = p2.prop;
    for (int span = 1; span < 16; span = span * 2) begin
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
    p3_d      = p2;
    p3_d.gen  = g;  // a run ends at byte i, counting only bytes 0..i
    p3_d.prop = p;  // bytes 0..i all continue a run that ends before the beat
  end

  always_ff @(posedge clk_i) begin
    p3 <= p3_d;
  end

  // ---- p4: joined with the beat before; the trailer's bytes kept ---------------------------
  logic       p4_step, run_in_q, run_ends;
  logic [7:0] run_at_q, pad_len_q, next_hdr_q;
  logic       done_q, cut_q, len_ok_q;
  logic [PosW-1:0] pad_max_q;

  assign p4_step  = p3_valid_q;
  assign run_ends = |(p3.run_sel & (p3.gen | (p3.prop & {16{run_in_q}})));

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      done_q <= 1'b0;
    end else begin
      done_q <= p3_valid_q && p3.trl_done;
    end
  end

  always_ff @(posedge clk_i) begin
    if (p4_step) begin
      // A run reaches the next beat if it ends at byte 15.
      run_in_q   <= p3.gen[15] | (p3.prop[15] & run_in_q);
      if (p3.h_slot)       run_at_q <= '0;
      else if (p3.has_run) run_at_q <= run_ends ? p3.run_byte : 8'd0;
      if (p3.h_slot)       pad_len_q <= '0;
      else if (p3.has_pad) pad_len_q <= p3.pad_byte;
      if (p3.h_slot)       next_hdr_q <= '0;
      else if (p3.has_nh)  next_hdr_q <= p3.nh_byte;
      cut_q     <= p3.cut;
      len_ok_q  <= p3.text_len >= PosW'(2);
      pad_max_q <= p3.text_len - PosW'(2);
    end
  end

  // ---- p5: the verdict --------------------------------------------------------------------
  esp_pkg::trailer_t trailer_in, trailer_head;
  logic trl_empty, trl_pop;
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
  logic         eng_go, tag_room, ghash_step;
  logic [3:0]   enc_tag_count, dec_tag_count;
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
        blk    = x_head;
        eng_go = !x_empty;
        x_pop  = eng_go;
        eng_d  = x_last ? EngLen : EngText;
      end
      EngLen: begin
        blk    = gcm_pkg::len_block(finfo.aad12 ? 61'd12 : 61'd8, 61'(finfo.text_len));
        eng_go = tag_room;
        eng_d  = EngAad;
      end
      default: eng_d = EngAad;
    endcase
    if (!eng_go) eng_d = eng_q;
  end

  // Inside a frame `ghash` steps with its blocks only; between frames it runs free. The
  // tag (hash plus E(K, J0)) comes out with its frame's mode, for its queue.
  assign ghash_step = eng_go || eng_q == EngAad;

  logic tag_valid, tag_enc;

  gcm_tag #(.SideW(1), .Depth(FrameQDepth)) u_tag (
    .clk_i, .rst_ni,
    .step_i      (ghash_step),
    .valid_i     (eng_go),
    .first_i     (eng_q == EngAad),
    .last_i      (eng_q == EngLen),
    .block_i     (blk),
    .h_i         (h_head),
    .side_i      (finfo.mode == esp_pkg::GcmEncrypt),
    .ej0_push_i  (p1_step && p0.j0_slot),
    .ej0_i       (p0_block_q),
    .ej0_count_o (ej0_count),
    .tag_valid_o (tag_valid),
    .tag_o       (tag),
    .side_o      (tag_enc)
  );

  assign finfo_pop = eng_go && eng_q == EngLen;
  assign key_pop   = eng_go && eng_q == EngAad;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni)     eng_q <= EngAad;
    else             eng_q <= eng_d;
  end

  logic [127:0] enc_tag, dec_tag;
  logic enc_tag_empty, dec_tag_empty, enc_tag_pop, dec_tag_pop;

  sync_fifo #(.Width(128), .Depth(8)) u_enc_tagq (
    .clk_i, .rst_ni,
    .push_i (tag_valid && tag_enc), .data_i (tag),
    .pop_i  (enc_tag_pop), .data_o (enc_tag),
    .empty_o (enc_tag_empty), .full_o (), .almost_full_o (), .count_o (enc_tag_count)
  );

  sync_fifo #(.Width(128), .Depth(8)) u_dec_tagq (
    .clk_i, .rst_ni,
    .push_i (tag_valid && !tag_enc), .data_i (tag),
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

  assign need_tag    = ob_head.need_tag;
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
