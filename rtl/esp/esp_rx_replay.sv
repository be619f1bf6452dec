// RX anti-replay windows of the packet SAs (packet section P4; RFC 4303 section 3.4.3 and
// appendix A, ESN included), one per SA index, in block RAM. Three ports:
//
//  - init (the SA command executor, at ADD_SA_PKT, packet section P2): the window of an
//    index set in one write: replay_words (0..32; 0 = no replay check), ESN, and the right
//    edge `top` (0 for a new SA; its high half is ignored without ESN: the contract says it
//    is 0 then). The old bitmap is forgotten in that write (replay_sa_t.word_valid).
//    valid/ready: ready is low on the clock a commit writes the state memory, at most one
//    clock in CommitSpacing, so an init waits at most one clock.
//  - check (the RX parser, before the ICV): the index and the header's 32-bit sequence
//    number; CheckLatency (4) clocks later, the inferred high half (RFC 4303 appendix A2.2,
//    from the right edge; 0 without ESN) and the verdict of the 64-bit number. One check
//    every clock if need be. A check reads the state as the writes before its own clock
//    left it: a commit in flight, or one writing on the check's clock, is not seen (the
//    commit rechecks).
//  - commit (after the ICV verified): the index and the full 64-bit number (its high half
//    0 without ESN); CommitLatency (3) clocks later, the verdict of the recheck against the
//    window as it is then. A fresh number is recorded and, ahead of the edge, slides the
//    window (RFC 4303 section 3.4.3: only after the ICV verified). Rule: at most one commit
//    in any CommitSpacing (4) consecutive clocks (one per frame; the shortest ESP frame is
//    5 beats); the checking build asserts it.
//
// Verdicts as driver/replay.h's ReplayWindow (the kernel's xfrm_replay.c): window 0, fresh
// without a look (no state kept, the edge does not move); else number 0 invalid; above the
// edge fresh; edge - number >= window too old; else the bitmap's bit.
//
// Where packet section P4 is silent, decided here:
//  - Window 0 checks nothing, sequence number 0 included (the kernel's xfrm_replay_check
//    returns before its test of 0 when there is no window).
//  - With ESN, "number 0" is the 64-bit number 0 (a new SA's inference of 32-bit 0); once
//    the edge has passed 2^32 - 1, a 32-bit 0 is 2^32 and may be fresh.
//  - With ESN and window 0 the high half is inferred from the edge the init gave, which no
//    commit moves (no state without a window, as driver/replay.h); RFC 4303 section 3.4.3
//    says not to negotiate ESN without anti-replay.
//  - The window is kept exactly, number n at ring position n mod 1024 for every window. The
//    kernel's bitmap (and driver/replay.h's) puts n at (low 32 bits of n - 1) mod W, which
//    jumps at each 2^32 for a window that does not divide 2^32 (96, 160, ...): with ESN the
//    two may differ for numbers on both sides of the wrap; the unit's answer is appendix A's.
//
// Commit pipeline, the read-modify-write of one SA (the hazards it handles):
//  - clock 0: the state and the bitmap word of the number are read (two memories);
//  - stage 1: the 64-bit compares and subtracts (edge, window's left bound, distance);
//  - stage 2: the verdict, the slide's cases and masks;
//  - stage 3: the answer out, the new state and (at most) one bitmap word written.
//  Read on clock 0 and written at the end of clock 3: with commits 4 clocks apart, every
//  commit reads what the one before wrote (read after write), and no two commits are ever
//  in flight on one SA, so nothing needs forwarding. An init of an index whose commit is in
//  flight (accepted on the commit's clock 0 to 2) cancels that commit's writes: the init is
//  the later event and wins (write after write); the commit's answer is that of the state
//  before the init. The init and the commit's state write never share a clock (ready).
//  The check port reads copies of both memories of its own (one read port each), written
//  on the same clocks as the commit's, so it sees the state and the bitmap of one moment.
//
// Memory, for NumSa SAs: the state, 136 bits a SA (two copies); the bitmap, 32 words of 32
// bits a SA (two copies). For 1024 SAs: 4 + 4 RAMB36 of state (1024 x 136 as 512 x 72
// blocks) and 32 + 32 RAMB36 of bitmap (32768 x 32): 72 RAMB36.
module esp_rx_replay #(
  parameter int NumSa = 1024  // SA indices, a power of two (the engine's SA table)
) (
  input  logic                                      clk_i,
  input  logic                                      rst_ni,

  input  logic                                      init_valid_i,
  output logic                                      init_ready_o,
  input  logic [$clog2(NumSa)-1:0]                  init_idx_i,
  input  logic [esp_rx_replay_pkg::WordsW-1:0]      init_words_i,
  input  logic                                      init_esn_i,
  input  logic [63:0]                               init_top_i,

  input  logic                                      chk_valid_i,
  input  logic [$clog2(NumSa)-1:0]                  chk_idx_i,
  input  logic [31:0]                               chk_sn_i,
  output logic                                      chk_valid_o,
  output logic [31:0]                               chk_seq_hi_o,
  output esp_rx_replay_pkg::replay_verdict_e        chk_verdict_o,

  input  logic                                      cmt_valid_i,
  input  logic [$clog2(NumSa)-1:0]                  cmt_idx_i,
  input  logic [63:0]                               cmt_seq_i,
  output logic                                      cmt_valid_o,
  output esp_rx_replay_pkg::replay_verdict_e        cmt_verdict_o
);

  localparam int IdxW   = $clog2(NumSa);
  localparam int BmAddrW = IdxW + esp_rx_replay_pkg::WordIdxW;

  // ---- Memories: the state and the bitmap, each a copy for the check and one for the commit

  logic               st_we;
  logic [IdxW-1:0]    st_waddr;
  esp_rx_replay_pkg::replay_sa_t         st_wdata;
  logic               bm_we;
  logic [BmAddrW-1:0] bm_waddr;
  logic [31:0]        bm_wdata;

  esp_rx_replay_pkg::replay_sa_t  chk_st, cmt_st;
  logic [31:0] chk_bm, cmt_bm;

  sdp_ram #(.Width($bits(st_wdata)), .Depth(NumSa)) u_chk_state (
    .clk_i,
    .we_i    (st_we),
    .waddr_i (st_waddr),
    .wdata_i (st_wdata),
    .re_i    (chk_valid_i),
    .raddr_i (chk_idx_i),
    .rdata_o (chk_st)
  );

  sdp_ram #(.Width($bits(st_wdata)), .Depth(NumSa)) u_cmt_state (
    .clk_i,
    .we_i    (st_we),
    .waddr_i (st_waddr),
    .wdata_i (st_wdata),
    .re_i    (cmt_valid_i),
    .raddr_i (cmt_idx_i),
    .rdata_o (cmt_st)
  );

  sdp_ram #(.Width(esp_rx_replay_pkg::WordBits), .Depth(NumSa * esp_rx_replay_pkg::MaxWords)) u_chk_bitmap (
    .clk_i,
    .we_i    (bm_we),
    .waddr_i (bm_waddr),
    .wdata_i (bm_wdata),
    .re_i    (chk_valid_i),
    .raddr_i ({chk_idx_i, chk_sn_i[9:5]}),
    .rdata_o (chk_bm)
  );

  sdp_ram #(.Width(esp_rx_replay_pkg::WordBits), .Depth(NumSa * esp_rx_replay_pkg::MaxWords)) u_cmt_bitmap (
    .clk_i,
    .we_i    (bm_we),
    .waddr_i (bm_waddr),
    .wdata_i (bm_wdata),
    .re_i    (cmt_valid_i),
    .raddr_i ({cmt_idx_i, cmt_seq_i[9:5]}),
    .rdata_o (cmt_bm)
  );

  // W - 1 as 64 bits, window = 32 * words: the left bound of the window is top - (W - 1).
  // With no window it is all ones, so that its low half is W - 1 in 32-bit arithmetic, as
  // the kernel's xfrm_replay_seqhi computes it (no check is made then; only the inference
  // uses it, and driver/replay.h infers so). Wires only: the state keeps words - 1.
  function automatic logic [63:0] window_m1(input logic no_window,
                                            input logic [esp_rx_replay_pkg::WordsW-1:0] words_m1);
    window_m1 = {{53{no_window}}, words_m1, 5'h1f};
  endfunction

  // Whether the number's bit is set: the right edge's word is in the state, the others in
  // the bitmap memory, read as zero while their valid bit is clear.
  function automatic logic seen_bit(input logic [4:0] top_word_idx, input logic [31:0] top_word,
                                    input logic [31:0] word_valid, input logic [31:0] bm,
                                    input logic [9:0] pos);
    if (pos[9:5] == top_word_idx) seen_bit = top_word[pos[4:0]];
    else                          seen_bit = word_valid[pos[9:5]] && bm[pos[4:0]];
  endfunction

  // The verdict from its parts, in driver/replay.h's order of tests.
  function automatic esp_rx_replay_pkg::replay_verdict_e verdict_of(input logic no_window, input logic zero,
                                                 input logic ahead, input logic too_old,
                                                 input logic seen);
    if (no_window)    verdict_of = esp_rx_replay_pkg::ReplayFresh;
    else if (zero)    verdict_of = esp_rx_replay_pkg::ReplayInvalid;
    else if (ahead)   verdict_of = esp_rx_replay_pkg::ReplayFresh;
    else if (too_old) verdict_of = esp_rx_replay_pkg::ReplayTooOld;
    else if (seen)    verdict_of = esp_rx_replay_pkg::ReplayReplayed;
    else              verdict_of = esp_rx_replay_pkg::ReplayFresh;
  endfunction

  // ==== Check pipeline ======================================================================

  // Stage 1: the state and the bitmap word out of the memories.
  logic        k1_valid_q;
  logic [31:0] k1_sn_q;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) k1_valid_q <= 1'b0;
    else         k1_valid_q <= chk_valid_i;
  end

  always_ff @(posedge clk_i) begin
    if (chk_valid_i) k1_sn_q <= chk_sn_i;
  end

  // The window's left bound L = top - (W - 1), 65 bits: its low half is the inference's
  // `bottom` and the borrow out of it tells appendix A2.2's two cases apart (Tl >= W - 1:
  // the window lies in one 2^32 subspace); the borrow out of the whole says the window
  // reaches below 0 (nothing is too old).
  // The high half of W - 1 is all ones without a window, else zero, so the high half of L is
  // the top's high half, its increment or its decrement (each a chain of its own beside the
  // low half's), picked by the low half's borrow: one carry chain deep, not two in series.
  logic [63:0] k1_left;
  logic [31:0] k1_m1, k1_th_inc, k1_th_dec;
  logic        k1_b32, k1_b64, k1_th_zero, k1_th_ones;
  assign k1_m1 = 32'(window_m1(chk_st.no_window, chk_st.words_m1));
  assign {k1_b32, k1_left[31:0]} = {1'b0, chk_st.top[31:0]} - {1'b0, k1_m1};
  assign k1_th_inc  = chk_st.top[63:32] + 32'd1;
  assign k1_th_dec  = chk_st.top[63:32] - 32'd1;
  assign k1_th_zero = chk_st.top[63:32] == '0;
  assign k1_th_ones = &chk_st.top[63:32];
  always_comb begin
    // top_hi - {32{no_window}} - b32, and its borrow out.
    if (!chk_st.no_window) begin
      k1_left[63:32] = k1_b32 ? k1_th_dec : chk_st.top[63:32];
      k1_b64         = k1_b32 && k1_th_zero;
    end else begin
      k1_left[63:32] = k1_b32 ? chk_st.top[63:32] : k1_th_inc;
      k1_b64         = k1_b32 || !k1_th_ones;
    end
  end

  logic        k2_valid_q;
  logic [31:0] k2_sn_q, k2_bottom_q, k2_th_q, k2_th_inc_q, k2_th_dec_q;
  logic [63:0] k2_top_q, k2_left_q;
  logic        k2_one_space_q, k2_left_neg_q, k2_esn_q, k2_no_window_q, k2_seen_q;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) k2_valid_q <= 1'b0;
    else         k2_valid_q <= k1_valid_q;
  end

  always_ff @(posedge clk_i) begin
    if (k1_valid_q) begin
      k2_sn_q        <= k1_sn_q;
      k2_top_q       <= chk_st.top;
      k2_left_q      <= k1_left;
      k2_bottom_q    <= k1_left[31:0];
      k2_one_space_q <= !k1_b32;
      k2_left_neg_q  <= k1_b64;
      k2_th_q        <= chk_st.top[63:32];
      k2_th_inc_q    <= k1_th_inc;
      k2_th_dec_q    <= k1_th_dec;
      k2_esn_q       <= chk_st.esn;
      k2_no_window_q <= chk_st.no_window;
      k2_seen_q      <= seen_bit(chk_st.top[9:5], chk_st.top_word, chk_st.word_valid,
                                 chk_bm, k1_sn_q[9:0]);
    end
  end

  // Stage 2: the high half (RFC 4303 appendix A2.2, the kernel's xfrm_replay_seqhi).
  logic [31:0] k2_hi;
  logic        k2_below;
  assign k2_below = k2_sn_q < k2_bottom_q;
  always_comb begin
    if (!k2_esn_q)          k2_hi = '0;
    else if (k2_one_space_q) k2_hi = k2_below ? k2_th_inc_q : k2_th_q;   // Case A
    else                    k2_hi = k2_below ? k2_th_q : k2_th_dec_q;   // Case B
  end

  logic        k3_valid_q;
  logic [63:0] k3_seq_q, k3_top_q, k3_left_q;
  logic        k3_left_neg_q, k3_no_window_q, k3_seen_q;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) k3_valid_q <= 1'b0;
    else         k3_valid_q <= k2_valid_q;
  end

  always_ff @(posedge clk_i) begin
    if (k2_valid_q) begin
      k3_seq_q       <= {k2_hi, k2_sn_q};
      k3_top_q       <= k2_top_q;
      k3_left_q      <= k2_left_q;
      k3_left_neg_q  <= k2_left_neg_q;
      k3_no_window_q <= k2_no_window_q;
      k3_seen_q      <= k2_seen_q;
    end
  end

  // Stage 3: the 64-bit compares, side by side, and the verdict.
  esp_rx_replay_pkg::replay_verdict_e k3_verdict;
  assign k3_verdict = verdict_of(k3_no_window_q, k3_seq_q == '0, k3_seq_q > k3_top_q,
                                 !k3_left_neg_q && k3_seq_q < k3_left_q, k3_seen_q);

  logic            k4_valid_q;
  logic [31:0]     k4_hi_q;
  esp_rx_replay_pkg::replay_verdict_e k4_verdict_q;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) k4_valid_q <= 1'b0;
    else         k4_valid_q <= k3_valid_q;
  end

  always_ff @(posedge clk_i) begin
    if (k3_valid_q) begin
      k4_hi_q      <= k3_seq_q[63:32];
      k4_verdict_q <= k3_verdict;
    end
  end

  assign chk_valid_o   = k4_valid_q;
  assign chk_seq_hi_o  = k4_hi_q;
  assign chk_verdict_o = k4_verdict_q;

  // ==== Commit pipeline =====================================================================

  logic init_fire;
  assign init_fire = init_valid_i && init_ready_o;

  // Stage 1: the state and the bitmap word out of the memories.
  logic            c1_valid_q, c1_cancel_q, c1_zero_q;
  logic [IdxW-1:0] c1_idx_q;
  logic [63:0]     c1_seq_q;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) c1_valid_q <= 1'b0;
    else         c1_valid_q <= cmt_valid_i;
  end

  always_ff @(posedge clk_i) begin
    if (cmt_valid_i) begin
      c1_idx_q    <= cmt_idx_i;
      c1_seq_q    <= cmt_seq_i;
      c1_zero_q   <= cmt_seq_i == '0;
      // An init on the commit's own clock comes after it (it is written as the commit reads).
      c1_cancel_q <= init_fire && init_idx_i == cmt_idx_i;
    end
  end

  logic [63:0] c1_m1, c1_left, c1_dist;
  logic        c1_left_neg, c1_ahead;
  assign c1_m1 = window_m1(cmt_st.no_window, cmt_st.words_m1);
  assign {c1_left_neg, c1_left} = {1'b0, cmt_st.top} - {1'b0, c1_m1};
  assign c1_dist  = c1_seq_q - cmt_st.top;  // the slide, when ahead
  assign c1_ahead = c1_seq_q > cmt_st.top;

  logic            c2_valid_q, c2_cancel_q;
  logic [IdxW-1:0] c2_idx_q;
  logic [63:0]     c2_seq_q, c2_left_q;
  logic [63:5]     c2_dist_q;  // how far a slide goes, in whole words
  esp_rx_replay_pkg::replay_sa_t      c2_st_q;
  logic [31:0]     c2_bm_q;
  logic            c2_zero_q, c2_left_neg_q, c2_ahead_q, c2_seen_q, c2_same_word_q;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) c2_valid_q <= 1'b0;
    else         c2_valid_q <= c1_valid_q;
  end

  always_ff @(posedge clk_i) begin
    if (c1_valid_q) begin
      c2_idx_q       <= c1_idx_q;
      c2_cancel_q    <= c1_cancel_q || (init_fire && init_idx_i == c1_idx_q);
      c2_seq_q       <= c1_seq_q;
      c2_zero_q      <= c1_zero_q;
      c2_left_q      <= c1_left;
      c2_left_neg_q  <= c1_left_neg;
      c2_dist_q      <= c1_dist[63:5];
      c2_ahead_q     <= c1_ahead;
      c2_st_q        <= cmt_st;
      // The number's word as the ring holds it (zero while invalid); unused in the edge's.
      c2_bm_q        <= cmt_st.word_valid[c1_seq_q[9:5]] ? cmt_bm : '0;
      c2_seen_q      <= seen_bit(cmt_st.top[9:5], cmt_st.top_word, cmt_st.word_valid,
                                 cmt_bm, c1_seq_q[9:0]);
      c2_same_word_q <= c1_seq_q[9:5] == cmt_st.top[9:5];
    end
  end

  // Stage 2: the verdict; what a slide skips, as masks.
  esp_rx_replay_pkg::replay_verdict_e c2_verdict;
  assign c2_verdict = verdict_of(c2_st_q.no_window, c2_zero_q, c2_ahead_q,
                                 !c2_left_neg_q && c2_seq_q < c2_left_q, c2_seen_q);

  logic [4:0]  c2_wt, c2_ws;  // the edge's word, the number's
  logic [31:0] c2_skipped;    // ring words strictly between them, going up from the edge's
  assign c2_wt = c2_st_q.top[9:5];
  assign c2_ws = c2_seq_q[9:5];
  logic [31:0] c2_above_wt, c2_below_ws;
  assign c2_above_wt = ~esp_rx_replay_pkg::mask_le(c2_wt);
  assign c2_below_ws = ~esp_rx_replay_pkg::mask_ge(c2_ws);
  assign c2_skipped  = c2_wt < c2_ws ? c2_above_wt & c2_below_ws : c2_above_wt | c2_below_ws;

  logic            c3_valid_q, c3_record_q, c3_ahead_q, c3_same_word_q;
  logic            c3_far_q, c3_lap_q;
  logic [IdxW-1:0] c3_idx_q;
  logic [63:0]     c3_seq_q;
  esp_rx_replay_pkg::replay_sa_t      c3_st_q;
  logic [31:0]     c3_bm_q, c3_skipped_q, c3_le_top_q, c3_ge_seq_q;
  esp_rx_replay_pkg::replay_verdict_e c3_verdict_q;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      c3_valid_q  <= 1'b0;
      c3_record_q <= 1'b0;
    end else begin
      c3_valid_q  <= c2_valid_q;
      // Recorded: fresh, with a window (without one no state is kept, as the kernel), and
      // not overtaken by an init of its index (this clock's included).
      c3_record_q <= c2_valid_q && c2_verdict == esp_rx_replay_pkg::ReplayFresh && !c2_st_q.no_window &&
                     !c2_cancel_q && !(init_fire && init_idx_i == c2_idx_q);
    end
  end

  always_ff @(posedge clk_i) begin
    if (c2_valid_q) begin
      c3_verdict_q   <= c2_verdict;
      c3_idx_q       <= c2_idx_q;
      c3_seq_q       <= c2_seq_q;
      c3_st_q        <= c2_st_q;
      c3_bm_q        <= c2_bm_q;
      c3_ahead_q     <= c2_ahead_q;
      c3_same_word_q <= c2_same_word_q;
      // A slide of 1024 or more leaves no number of the old window inside the new one.
      c3_far_q       <= c2_dist_q[63:10] != '0;
      // A slide of 32 to 1023 that ends in the edge's own ring word comes back to it a lap
      // later (993 or more): the bits between the two are skipped numbers both ways round.
      c3_lap_q       <= c2_dist_q[63:5] != '0;
      c3_skipped_q   <= c2_skipped;
      c3_le_top_q    <= esp_rx_replay_pkg::mask_le(c2_st_q.top[4:0]);
      c3_ge_seq_q    <= esp_rx_replay_pkg::mask_ge(c2_seq_q[4:0]);
    end
  end

  // Stage 3: the new state and the bitmap write (RFC 4303 appendix A: mark the number; when
  // ahead, slide the edge to it, the numbers skipped unseen).
  logic [31:0] c3_bit, c3_wt_bit, c3_ws_bit;
  assign c3_bit    = 32'(1) << c3_seq_q[4:0];
  assign c3_wt_bit = 32'(1) << c3_st_q.top[9:5];
  assign c3_ws_bit = 32'(1) << c3_seq_q[9:5];

  esp_rx_replay_pkg::replay_sa_t         c3_new;
  logic               c3_bm_we;
  logic [esp_rx_replay_pkg::WordIdxW-1:0] c3_bm_word;
  logic [31:0]        c3_bm_data;
  always_comb begin
    c3_new     = c3_st_q;
    c3_bm_we   = 1'b0;
    c3_bm_word = c3_seq_q[9:5];
    c3_bm_data = c3_bm_q | c3_bit;
    if (c3_ahead_q) begin
      c3_new.top = c3_seq_q;
      if (c3_far_q) begin
        c3_new.word_valid = '0;
        c3_new.top_word   = c3_bit;
      end else if (c3_same_word_q && !c3_lap_q) begin
        // Up within the word: the bits between the old edge and the new are skipped.
        c3_new.top_word = (c3_st_q.top_word & (c3_le_top_q | c3_ge_seq_q)) | c3_bit;
      end else if (c3_same_word_q) begin
        // A lap: only the bits from the new edge up to the old one are still numbers of
        // the window (the oldest ones, with a window of 1024); every other word skipped.
        c3_new.word_valid = '0;
        c3_new.top_word   = (c3_st_q.top_word & c3_le_top_q & c3_ge_seq_q) | c3_bit;
      end else begin
        // Into another word: its bits below the new edge are skipped numbers, those above
        // old numbers (inside the window only when it is 1024); the words between are
        // skipped whole; the old edge's word goes back to the memory, the numbers above the
        // old edge cleared.
        c3_new.top_word   = (c3_bm_q & c3_ge_seq_q) | c3_bit;
        c3_new.word_valid = (c3_st_q.word_valid & ~c3_skipped_q) | c3_wt_bit;
        c3_bm_we          = 1'b1;
        c3_bm_word        = c3_st_q.top[9:5];
        c3_bm_data        = c3_st_q.top_word & c3_le_top_q;
      end
    end else if (c3_same_word_q) begin
      c3_new.top_word = c3_st_q.top_word | c3_bit;
    end else begin
      c3_new.word_valid = c3_st_q.word_valid | c3_ws_bit;
      c3_bm_we          = 1'b1;
    end
  end

  assign init_ready_o = !(c3_valid_q && c3_record_q);

  assign cmt_valid_o   = c3_valid_q;
  assign cmt_verdict_o = c3_verdict_q;

  // ---- The memories' write ports: an init or a commit's record, never both (init_ready_o)

  esp_rx_replay_pkg::replay_sa_t init_st;
  always_comb begin
    init_st.top        = init_esn_i ? init_top_i : {32'b0, init_top_i[31:0]};
    init_st.no_window  = init_words_i == '0;
    init_st.words_m1   = init_words_i - 1'b1;
    init_st.esn        = init_esn_i;
    init_st.word_valid = '0;
    init_st.top_word   = '0;
  end

  assign st_we    = init_fire || (c3_valid_q && c3_record_q);
  assign st_waddr = init_fire ? init_idx_i : c3_idx_q;
  assign st_wdata = init_fire ? init_st : c3_new;
  assign bm_we    = c3_valid_q && c3_record_q && c3_bm_we;
  assign bm_waddr = {c3_idx_q, c3_bm_word};
  assign bm_wdata = c3_bm_data;

`ifdef IPSEC_ASSERTIONS
  // The commit port's rule, on which the read-modify-write rests.
  logic [esp_rx_replay_pkg::CommitSpacing-2:0] cmt_hist_q;
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      cmt_hist_q <= '0;
    end else begin
      cmt_hist_q <= {cmt_hist_q[esp_rx_replay_pkg::CommitSpacing-3:0], cmt_valid_i};
      assert (!cmt_valid_i || cmt_hist_q == '0)
        else $error("esp_rx_replay: two commits less than %0d clocks apart", esp_rx_replay_pkg::CommitSpacing);
      assert (!init_valid_i || init_words_i <= esp_rx_replay_pkg::WordsW'(esp_rx_replay_pkg::MaxWords))
        else $error("esp_rx_replay: init with a window of %0d words", init_words_i);
      assert (!(init_fire && c3_valid_q && c3_record_q))
        else $error("esp_rx_replay: an init and a commit write the state together");
    end
  end
`endif

endmodule
