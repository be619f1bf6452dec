// The TX direction (host to wire), contract section 6: frames wait in a FIFO while the
// parser reads their heads and looks up their SAs; the metadata is stripped, the frame
// edited (header, trailer, room for the ICV) and encrypted in place by esp_gcm.
// The pipeline up to esp_gcm is cut-through; its output is stored and forwarded: a frame
// goes on the wire only once the whole of it is in the wire buffer, and then gap-free, one
// beat per clock (the MAC cannot pause a frame it has begun: the wire never underruns,
// whatever pauses the host makes). Latency is counted from a frame's last beat in
// (docs/architecture.md, "TX: the wire buffer").
//
// Packet offload (PktOffload = 1; docs/packet_offload.md, packet sections P3 and P8): the
// encapsulator (esp_tx_pkt_encap) in front of the input FIFO turns each 0x0A frame into the
// crypto-offload frame the host would have built, and the path behind it takes it as any
// other, but for its SA lookup: by the index the encapsulator hands beside its beats, which
// finds only the packet SA there (a host's own frame is looked up by key among crypto SAs
// only; sa_table, packet section P8). In front of the encapsulator a frame longer than MaxFrame gets tuser on its last
// beat (dropped before classification, as without packet offload); behind it the MaxFrame
// checks and the wire buffer take frames grown by up to 56 bytes (tunnel, outer IPv6). Each
// 0x0A frame's event becomes one lifetime op (an OpCheck with its IP length for a frame
// sent; an OpDropA, seq_exhausted, for one refused at exhaustion or after a hard event, or
// a bad packet of an SA that died of exhaustion):
// at most one op per 4 clocks, as every frame that has one is at least 4 beats long
// (asserted). The op's verdict (OpLatency clocks later) is joined to its frame where the
// frame still is: at the abort queue's head, when its last beat leaves esp_gcm (asserted:
// always after the verdict); a frame that fails leaves marked with tuser (the MAC discards
// it, the wire buffer storing and forwarding whole frames) and counts in enc_drop, one that
// passes in enc_out; enc_in counts a packet frame at its fate as for any frame, and a
// frame the encapsulator refused (marked with tuser, which counts it in enc_drop alone)
// counts in enc_in from its event, as the model classifies it. Every frame takes the
// encapsulator's 3 clocks.
module esp_tx #(
  parameter int MaxFrame   = 9216,
  parameter int PktOffload = 0,     // 1: packet offload's TX stages (docs/packet_offload.md)
  parameter int NumSa      = 1024   // packet SA indices, a power of two (the SA table's)
) (
  input  logic              clk_i,
  input  logic              rst_ni,

  // Host TX in.
  input  logic              s_axis_tvalid_i,
  output logic              s_axis_tready_o,
  input  logic [127:0]      s_axis_tdata_i,
  input  logic [15:0]       s_axis_tkeep_i,
  input  logic              s_axis_tlast_i,
  input  logic              s_axis_tuser_i,

  // Wire TX out; tuser on the last beat marks a frame the MAC must discard.
  output logic              m_axis_tvalid_o,
  input  logic              m_axis_tready_i,
  output logic [127:0]      m_axis_tdata_o,
  output logic [15:0]       m_axis_tkeep_o,
  output logic              m_axis_tlast_o,
  output logic              m_axis_tuser_o,

  output logic              lkp_valid_o,
  output sadb_pkg::sa_key_t lkp_key_o,
  // Packet offload: the lookup of a frame the encapsulator made is by its SA's index (the
  // table finds crypto SAs by key, packet SAs by index only).
  output logic              lkp_by_index_o,
  output logic [15:0]       lkp_index_o,
  input  logic              res_valid_i,
  input  logic              res_hit_i,
  input  sadb_pkg::sa_ctx_t res_ctx_i,

  // Packet offload (PktOffload = 1; unused otherwise): the encapsulator's state port and
  // hard-expired marks (esp_tx_pkt_encap's sw_* and hx_*), and the TX op port of the
  // lifetime unit (esp_pkt_life's tx_*).
  input  logic                          pkt_sw_valid_i,
  output logic                          pkt_sw_ready_o,
  input  logic [$clog2(NumSa)-1:0]      pkt_sw_index_i,
  input  esp_pkg::tx_pkt_sa_t           pkt_sw_sa_i,
  input  logic                          pkt_hx_valid_i,
  input  logic [$clog2(NumSa)-1:0]      pkt_hx_index_i,
  input  logic                          pkt_hx_expired_i,
  output logic                          life_valid_o,
  output esp_pkt_life_pkg::life_op_e    life_op_o,
  output logic [$clog2(NumSa)-1:0]      life_index_o,
  output logic [16:0]                   life_bytes_o,
  input  logic                          life_ans_valid_i,
  input  logic                          life_ans_pass_i,

  output logic              cnt_enc_in_o,
  output logic              cnt_enc_out_o,
  output logic              cnt_enc_bypass_o,
  output logic              cnt_enc_drop_o
);

  // What the path behind the encapsulator takes: a frame grown by up to 56 bytes.
  localparam int CoreMax = PktOffload != 0 ? MaxFrame + 56 : MaxFrame;

  typedef struct packed {
    logic         user;
    logic         last;
    logic [15:0]  keep;
    logic [127:0] data;
  } beat_t;

  // ---- packet offload's front: the encapsulator ------------------------------------------
  // core_*: the stream into the input FIFO and the parser (the host input itself without
  // packet offload).
  logic         core_valid, core_ready, core_last, core_user, core_fire, core_pkt;
  logic [127:0] core_data;
  logic [15:0]  core_index;
  logic [15:0]  core_keep;
  // Per frame, at its fate (F, esp_tx_edit's m_done_o): what packet offload adds to it.
  logic         ed_done;
  // The encapsulator's event (here, not in the generate block: Yosys 0.23 resolves no
  // struct member of a signal declared there).
  logic                   ev_valid;
  esp_pkg::tx_pkt_event_t ev;

  // ---- input FIFO, with the parser reading heads as they enter --------------------------
  beat_t in_beat, fifo_head;
  logic  fifo_empty, fifo_afull, in_fire, dec_room;

  assign in_beat.user = core_user;
  assign in_beat.last = core_last;
  assign in_beat.keep = core_keep;
  assign in_beat.data = core_data;
  assign core_ready = !fifo_afull && dec_room;
  assign in_fire = core_valid && core_ready;
  assign core_fire = in_fire;

  logic strip_ready;

  sync_fifo #(.Width($bits(in_beat)), .Depth(32)) u_inq (
    .clk_i, .rst_ni,
    .push_i (in_fire), .data_i (in_beat),
    .pop_i  (!fifo_empty && strip_ready), .data_o (fifo_head),
    .empty_o (fifo_empty), .full_o (), .almost_full_o (fifo_afull), .count_o ()
  );

  esp_pkg::tx_decision_t dec;
  logic dec_valid, dec_pop;

  esp_tx_parse #(.MaxFrame(CoreMax)) u_parse (
    .clk_i, .rst_ni,
    .in_fire_i (in_fire), .in_data_i (core_data), .in_keep_i (core_keep),
    .in_last_i (core_last), .in_user_i (core_user),
    .in_pkt_i (core_pkt), .in_index_i (core_index),
    .lkp_valid_o, .lkp_key_o, .lkp_by_index_o, .lkp_index_o, .res_valid_i, .res_hit_i,
    .res_ctx_i,
    .dec_valid_o (dec_valid), .dec_pop_i (dec_pop), .dec_o (dec), .dec_room_o (dec_room)
  );

  // ---- metadata off ------------------------------------------------------------------------------
  logic         st_valid, st_ready, st_last, st_user;
  logic [127:0] st_data;
  logic [15:0]  st_keep;

  esp_tx_strip u_strip (
    .clk_i, .rst_ni,
    .s_valid_i (!fifo_empty), .s_ready_o (strip_ready), .s_data_i (fifo_head.data),
    .s_keep_i (fifo_head.keep), .s_last_i (fifo_head.last), .s_user_i (fifo_head.user),
    .m_valid_o (st_valid), .m_ready_i (st_ready), .m_data_o (st_data), .m_keep_o (st_keep),
    .m_last_o (st_last), .m_user_o (st_user)
  );

  // ---- edit, then encrypt ------------------------------------------------------------------------
  logic              ed_valid, ed_ready, ed_last, ed_abort_valid, ed_abort;
  logic [127:0]      ed_data;
  logic [15:0]       ed_keep;
  esp_pkg::gcm_ctx_t ed_ctx;
  logic              gcm_ready, abort_afull, abort_empty;
  logic [5:0]        abort_count;

  // The abort queue's room as a register, two frames of margin: for the push it may take
  // on the clock it is computed, and the abort mark, which follows a frame's last beat a
  // clock later. The edit's ready is then two registers' AND.
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) abort_afull <= 1'b0;
    else         abort_afull <= abort_count >= 6'd30;
  end

  assign ed_ready = gcm_ready && !abort_afull;

  logic ed_in, ed_out, ed_bypass, ed_drop;

  esp_tx_edit #(.MaxFrame(CoreMax)) u_edit (
    .clk_i, .rst_ni,
    .s_valid_i (st_valid), .s_ready_o (st_ready), .s_data_i (st_data), .s_keep_i (st_keep),
    .s_last_i (st_last), .s_user_i (st_user),
    .dec_valid_i (dec_valid), .dec_pop_o (dec_pop), .dec_i (dec),
    .m_valid_o (ed_valid), .m_ready_i (ed_ready), .m_data_o (ed_data), .m_keep_o (ed_keep),
    .m_last_o (ed_last), .m_ctx_o (ed_ctx),
    .m_abort_valid_o (ed_abort_valid), .m_abort_o (ed_abort), .m_done_o (ed_done),
    .cnt_enc_in_o (ed_in), .cnt_enc_out_o (ed_out), .cnt_enc_bypass_o (ed_bypass),
    .cnt_enc_drop_o (ed_drop)
  );

  // Whether each frame out of esp_gcm must be discarded by the MAC, in frame order (its
  // mark comes a clock after its last beat went in, long before that beat leaves). With
  // packet offload the mark has a second bit: the frame waits for a lifetime verdict.
  localparam int AbortW = PktOffload != 0 ? 2 : 1;
  logic              gc_valid, gc_ready, gc_last, gc_user, gc_end;
  logic [127:0]      gc_data;
  logic [15:0]       gc_keep;
  logic [AbortW-1:0] abort_in, abort_head;
  logic              abort_push;

  assign gc_end = gc_valid && gc_ready && gc_last;

  sync_fifo #(.Width(AbortW), .Depth(32)) u_abortq (
    .clk_i, .rst_ni,
    .push_i (abort_push), .data_i (abort_in),
    .pop_i  (gc_end), .data_o (abort_head),
    .empty_o (abort_empty), .full_o (), .almost_full_o (), .count_o (abort_count)
  );

  esp_pkg::gcm_status_t unused_status;
  logic                 unused_status_valid;

  esp_gcm #(.Decrypt(1'b0)) u_gcm (
    .clk_i, .rst_ni,
    .s_valid_i (ed_valid && !abort_afull), .s_ready_o (gcm_ready), .s_data_i (ed_data),
    .s_keep_i (ed_keep), .s_last_i (ed_last), .s_ctx_i (ed_ctx),
    .m_valid_o (gc_valid), .m_ready_i (gc_ready), .m_data_o (gc_data),
    .m_keep_o (gc_keep), .m_last_o (gc_last),
    .st_valid_o (unused_status_valid), .st_ready_i (1'b1), .st_o (unused_status)
  );

  // ---- without packet offload: the host input straight in, the edit's counts -------------
  // ---- with it: the encapsulator, the lifetime ops and their verdicts ----------------------
  if (PktOffload == 0) begin : g_crypto
    assign core_valid      = s_axis_tvalid_i;
    assign s_axis_tready_o = core_ready;
    assign core_data       = s_axis_tdata_i;
    assign core_keep       = s_axis_tkeep_i;
    assign core_last       = s_axis_tlast_i;
    assign core_user       = s_axis_tuser_i;
    assign core_pkt        = 1'b0;
    assign core_index      = '0;

    assign abort_push = ed_abort_valid;
    assign abort_in   = ed_abort;
    assign gc_user    = gc_last && !abort_empty && abort_head[0];

    assign cnt_enc_in_o     = ed_in;
    assign cnt_enc_out_o    = ed_out;
    assign cnt_enc_bypass_o = ed_bypass;
    assign cnt_enc_drop_o   = ed_drop;

    assign pkt_sw_ready_o = 1'b0;
    assign life_valid_o   = 1'b0;
    assign life_op_o      = esp_pkt_life_pkg::OpCheck;
    assign life_index_o   = '0;
    assign life_bytes_o   = '0;

    logic unused_pkt;
    assign unused_pkt = ^{pkt_sw_valid_i, pkt_sw_index_i, pkt_sw_sa_i, pkt_hx_valid_i,
                          pkt_hx_index_i, pkt_hx_expired_i, life_ans_valid_i, life_ans_pass_i,
                          ed_done, core_fire, ev_valid, ev};
    assign ev_valid = 1'b0;
    assign ev       = '0;
  end else begin : g_pkt
    localparam int IdxW  = $clog2(NumSa);
    localparam int BeatW = esp_pkg::PosW - 4;

    // What packet offload adds to a frame's fate (the kinds of the per-frame queue).
    localparam logic [1:0] KindNone    = 2'd0;  // not 0x0A, or dropped before classification
    localparam logic [1:0] KindRefused = 2'd1;  // the encapsulator refused it: enc_in here
    localparam logic [1:0] KindSent    = 2'd2;  // sent on: its lifetime verdict decides

    // -- the length check in front of the encapsulator --------------------------------------
    // A frame longer than MaxFrame gets tuser on its last beat: dropped before
    // classification, as esp_tx_edit drops it without packet offload (behind the
    // encapsulator its own check is at MaxFrame + 56). From registers: the beat's index
    // above MaxFrame / 16, or equal to it with a byte in lane MaxFrame % 16.
    logic [BeatW-1:0] fl_cnt_q;
    logic             fl_eq_q, fl_gt_q, fl_over, s_fire, s_first_q;

    assign s_fire  = s_axis_tvalid_i && s_axis_tready_o;
    assign fl_over = s_axis_tlast_i && (fl_gt_q || (fl_eq_q && s_axis_tkeep_i[MaxFrame % 16]));

    always_ff @(posedge clk_i or negedge rst_ni) begin
      if (!rst_ni) begin
        fl_cnt_q  <= '0;
        fl_eq_q   <= 1'b0;
        fl_gt_q   <= 1'b0;
        s_first_q <= 1'b1;
      end else if (s_fire) begin
        s_first_q <= s_axis_tlast_i;
        if (s_axis_tlast_i) begin
          fl_cnt_q <= '0;
          fl_eq_q  <= 1'b0;
          fl_gt_q  <= 1'b0;
        end else begin
          if (!fl_eq_q && !fl_gt_q) fl_cnt_q <= fl_cnt_q + 1'b1;
          fl_eq_q <= !fl_eq_q && !fl_gt_q && fl_cnt_q == BeatW'(MaxFrame / 16 - 1);
          fl_gt_q <= fl_gt_q || fl_eq_q;
        end
      end
    end

    // -- the encapsulator -------------------------------------------------------------------
    esp_tx_pkt_encap #(.Sas(NumSa), .MaxFrame(MaxFrame)) u_encap (
      .clk_i, .rst_ni,
      .s_axis_tvalid_i, .s_axis_tready_o, .s_axis_tdata_i, .s_axis_tkeep_i, .s_axis_tlast_i,
      .s_axis_tuser_i (s_axis_tuser_i || fl_over),
      .m_axis_tvalid_o (core_valid), .m_axis_tready_i (core_ready), .m_axis_tdata_o (core_data),
      .m_axis_tkeep_o (core_keep), .m_axis_tlast_o (core_last), .m_axis_tuser_o (core_user),
      .m_axis_tpkt_o (core_pkt), .m_axis_tindex_o (core_index),
      .sw_valid_i (pkt_sw_valid_i), .sw_ready_o (pkt_sw_ready_o), .sw_index_i (pkt_sw_index_i),
      .sw_sa_i (pkt_sw_sa_i),
      .hx_valid_i (pkt_hx_valid_i), .hx_index_i (pkt_hx_index_i), .hx_expired_i (pkt_hx_expired_i),
      .ev_valid_o (ev_valid), .ev_o (ev)
    );

    // -- the lifetime op of each event: one per 0x0A frame at most --------------------------
    // A frame sent: OpCheck with the IP length as the host sent it (the model's bytes,
    // packet section P3). Refused at exhaustion: OpDropA (seq_exhausted, the hard event
    // once). Refused for a hard-expired mark: OpDropA too, which the unit counts only when
    // the SA died of exhaustion (the model's dead path). A bad packet (malformed, or its
    // datagram past the frame's end) of an SA that died of exhaustion counts there too (the
    // model drops a dead SA's frame before it parses it): the mark says so from the first
    // frame that reads it; for the frames of the few clocks before, `ex_*` keeps the index
    // of the last exhaustion op (an SA whose exhaustion was asked is dead by the time any
    // later op of it is made). Other refusals touch no SA state. The event is registered
    // first, so the op's choice starts from registers: the op leaves two clocks after it.
    logic                  ev_q, ex_v_q, ev_sent, ev_op, ev_bad;
    esp_pkg::tx_pkt_fate_e ev_fate_q;
    logic [IdxW-1:0]       ev_idx_q, ex_idx_q;
    logic [16:0]           ev_len_q;

    always_ff @(posedge clk_i or negedge rst_ni) begin
      if (!rst_ni) ev_q <= 1'b0;
      else         ev_q <= ev_valid;
    end

    always_ff @(posedge clk_i) begin
      if (ev_valid) begin
        ev_fate_q <= ev.fate;
        ev_idx_q  <= ev.index[IdxW-1:0];
        ev_len_q  <= ev.ip_len;
      end
    end

    assign ev_sent = ev_fate_q == esp_pkg::PktSent;
    assign ev_bad  = ev_fate_q == esp_pkg::PktMalformed || ev_fate_q == esp_pkg::PktCut;
    assign ev_op   = ev_sent || ev_fate_q == esp_pkg::PktExhausted ||
                     ev_fate_q == esp_pkg::PktExpired || (ev_bad && ex_v_q && ev_idx_q == ex_idx_q);

    always_ff @(posedge clk_i or negedge rst_ni) begin
      if (!rst_ni) begin
        life_valid_o <= 1'b0;
        ex_v_q       <= 1'b0;
      end else begin
        life_valid_o <= ev_q && ev_op;
        // Set by an exhaustion op; cleared when the lifetime unit clears the index's mark
        // (its init: the SA added again).
        if (ev_q && ev_fate_q == esp_pkg::PktExhausted) ex_v_q <= 1'b1;
        else if (pkt_hx_valid_i && !pkt_hx_expired_i && pkt_hx_index_i == ex_idx_q) ex_v_q <= 1'b0;
      end
    end

    always_ff @(posedge clk_i) begin
      if (ev_q && ev_fate_q == esp_pkg::PktExhausted) ex_idx_q <= ev_idx_q;
      if (ev_q) begin
        life_op_o    <= ev_sent ? esp_pkt_life_pkg::OpCheck : esp_pkt_life_pkg::OpDropA;
        life_index_o <= ev_idx_q;
        life_bytes_o <= ev_len_q;
      end
    end

    // -- the frames in order: which are 0x0A (at the encapsulator's input), their events ---
    // A frame's event comes with its last beat into the encapsulator's output register or
    // before it leaves (a clock after the last input beat left S2), so the frame's kind is
    // known a clock after its last beat entered the input FIFO, long before its fate (F).
    // The three queues below are popped only with an entry (sync_fifo asserts it): every
    // frame out of the encapsulator went in, every 0x0A one had its event before it
    // left, and every frame's kind is known before its fate.
    logic s_oa, s_oa_q, oa_head, cl_q, cl_oa_q;
    logic [3:0] ev_head;
    logic [1:0] kind, pq_head;

    assign s_oa = s_axis_tkeep_i[14] &&
                  {s_axis_tdata_i[8*12 +: 8], s_axis_tdata_i[8*13 +: 8]} == esp_pkg::MetaEthertype &&
                  s_axis_tdata_i[8*14 +: 8] == esp_pkg::SyndTxPkt;

    always_ff @(posedge clk_i) begin
      if (s_fire && s_first_q) s_oa_q <= s_oa;
    end

    sync_fifo #(.Width(1), .Depth(8)) u_oaq (
      .clk_i, .rst_ni,
      .push_i (s_fire && s_axis_tlast_i), .data_i (s_first_q ? s_oa : s_oa_q),
      .pop_i  (core_fire && core_last), .data_o (oa_head),
      .empty_o (), .full_o (), .almost_full_o (), .count_o ()
    );

    sync_fifo #(.Width(4), .Depth(8)) u_evq (
      .clk_i, .rst_ni,
      .push_i (ev_valid), .data_i (ev.fate),
      .pop_i  (cl_q && cl_oa_q), .data_o (ev_head),
      .empty_o (), .full_o (), .almost_full_o (), .count_o ()
    );

    always_ff @(posedge clk_i or negedge rst_ni) begin
      if (!rst_ni) cl_q <= 1'b0;
      else         cl_q <= core_fire && core_last;
    end

    always_ff @(posedge clk_i) begin
      if (core_fire && core_last) cl_oa_q <= oa_head;
    end

    always_comb begin
      kind = KindNone;
      if (cl_oa_q) begin
        if (ev_head == esp_pkg::PktSent)           kind = KindSent;
        else if (ev_head != esp_pkg::PktTruncated) kind = KindRefused;
      end
    end

    // Per frame in the input FIFO and the path behind it, until its fate.
    sync_fifo #(.Width(2), .Depth(64)) u_pq (
      .clk_i, .rst_ni,
      .push_i (cl_q), .data_i (kind),
      .pop_i  (ed_done), .data_o (pq_head),
      .empty_o (), .full_o (), .almost_full_o (), .count_o ()
    );

    // -- at a frame's fate (F) ---------------------------------------------------------------
    // A packet frame sent to esp_gcm waits there for its verdict (the abort mark's second
    // bit). One sent whose crypto SA the path did not find (deleted in the meantime, or not
    // the SA its addresses name: a transport packet's own) is dropped and counted by the
    // edit; its verdict is let go in its turn (u_vrec).
    logic f_sent, f_refused, sent_q, refused_q;

    assign f_sent    = ed_done && pq_head == KindSent;
    assign f_refused = ed_done && pq_head == KindRefused;

    assign abort_push = ed_abort_valid;
    assign abort_in   = {f_sent, ed_abort};

    always_ff @(posedge clk_i or negedge rst_ni) begin
      if (!rst_ni) begin
        sent_q    <= 1'b0;
        refused_q <= 1'b0;
      end else begin
        sent_q    <= f_sent;
        refused_q <= f_refused;
      end
    end

    // -- verdicts, in op order (the frames sent, in frame order) ----------------------------
    logic vq_head, vq_empty, vr_head, vr_empty, v_take, v_drop, gc_wait;

    sync_fifo #(.Width(1), .Depth(64)) u_vq (
      .clk_i, .rst_ni,
      .push_i (life_ans_valid_i), .data_i (life_ans_pass_i),
      .pop_i  (v_take || v_drop), .data_o (vq_head),
      .empty_o (vq_empty), .full_o (), .almost_full_o (), .count_o ()
    );

    // Per frame sent, at its fate: 1 when it went to esp_gcm (its verdict is taken there),
    // 0 when the edit dropped it (its verdict is let go as it comes).
    sync_fifo #(.Width(1), .Depth(64)) u_vrec (
      .clk_i, .rst_ni,
      .push_i (f_sent), .data_i (ed_abort_valid),
      .pop_i  (v_take || v_drop), .data_o (vr_head),
      .empty_o (vr_empty), .full_o (), .almost_full_o (), .count_o ()
    );

    assign gc_wait = !abort_empty && abort_head[1];
    assign v_take  = gc_end && gc_wait;
    assign v_drop  = !vr_empty && !vr_head && !vq_empty;

    // A frame that fails its check leaves marked: the MAC discards it.
    assign gc_user = gc_last && !abort_empty && (abort_head[0] || (abort_head[1] && !vq_head));

    // -- counters ----------------------------------------------------------------------------
    // The edit's pulses, a clock after F, but a sent frame's enc_out; enc_in for a frame the
    // encapsulator refused (the edit counted it in enc_drop alone, as marked with tuser);
    // a sent frame's enc_out or enc_drop from its verdict, when it leaves esp_gcm. The
    // verdict's pulse waits while the edit pulses the same counter (pend_*_q).
    logic       vx_out, vx_drop, e_out;
    logic [5:0] pend_out_q, pend_drop_q;

    assign vx_out  = v_take && !abort_head[0] && vq_head;
    assign vx_drop = v_take && !abort_head[0] && !vq_head;
    assign e_out   = ed_out && !sent_q;

    always_ff @(posedge clk_i or negedge rst_ni) begin
      if (!rst_ni) begin
        pend_out_q  <= '0;
        pend_drop_q <= '0;
      end else begin
        pend_out_q  <= pend_out_q + 6'(vx_out) - 6'(!e_out && pend_out_q != '0);
        pend_drop_q <= pend_drop_q + 6'(vx_drop) - 6'(!ed_drop && pend_drop_q != '0);
      end
    end

    assign cnt_enc_in_o     = ed_in || refused_q;
    assign cnt_enc_out_o    = e_out || pend_out_q != '0;
    assign cnt_enc_bypass_o = ed_bypass;
    assign cnt_enc_drop_o   = ed_drop || pend_drop_q != '0;

`ifdef IPSEC_ASSERTIONS
    logic [2:0] op_hist_q;
    always_ff @(posedge clk_i or negedge rst_ni) begin
      if (!rst_ni) begin
        op_hist_q <= '0;
      end else begin
        op_hist_q <= {op_hist_q[1:0], life_valid_o};
        // The lifetime unit's rule: at most one op of a direction in any 4 clocks.
        assert (!(life_valid_o && op_hist_q != '0))
          else $error("%m: two lifetime ops within 4 clocks");
        // Every sent frame's verdict is in before its last beat leaves esp_gcm.
        assert (!(v_take && (vq_empty || vr_empty || !vr_head)))
          else $error("%m: a packet frame leaves esp_gcm before its lifetime verdict");
        // A refused frame was marked with tuser: the edit did not count it in enc_in.
        assert (!(refused_q && ed_in)) else $error("%m: a refused packet frame counted twice in enc_in");
        assert (!(&pend_out_q) && !(&pend_drop_q)) else $error("%m: counter pulses pending overflow");
      end
    end
`endif
  end

`ifdef IPSEC_ASSERTIONS
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
    end else begin
      assert (!(gc_valid && gc_last) || !abort_empty)
        else $error("%m: a frame leaves esp_gcm before its abort mark");
    end
  end
`endif

  // ---- the wire buffer: store and forward ----------------------------------------------------
  // Sized for two of the largest frames that can leave (MaxFrame with its metadata gone and
  // the largest trailer and the ICV added), so that one leaves while the next one fills and
  // MaxFrame frames back to back keep one beat per clock: 2 x 577 beats of 16 bytes for
  // 9,216-byte frames, a 2,048-beat ring in block RAM.
  // With packet offload, a frame grown by encapsulation: up to 56 bytes more (9,272 into the
  // path; out, 9,282 for a frame of 9,216 the host sent: 581 beats), the same ring.
  localparam int MaxOutBeats = (CoreMax - esp_pkg::MetaBytes + 3 + 2 + esp_pkg::IcvBytes + 15) / 16;
  localparam int WireDepth   = 2 ** $clog2(2 * MaxOutBeats);

  stream_frame_fifo #(.DataW(144), .Depth(WireDepth), .MaxFrames(32)) u_wire_buf (
    .clk_i, .rst_ni,
    .s_valid_i (gc_valid), .s_ready_o (gc_ready), .s_data_i ({gc_keep, gc_data}),
    .s_last_i (gc_last), .s_user_i (gc_user),
    .m_valid_o (m_axis_tvalid_o), .m_ready_i (m_axis_tready_i),
    .m_data_o ({m_axis_tkeep_o, m_axis_tdata_o}), .m_last_o (m_axis_tlast_o),
    .m_user_o (m_axis_tuser_o)
  );

  // Handshake checks between the blocks (simulation with assertions only).
  stream_check #(.DataW(146), .Name("esp_tx strip -> edit")) u_check_strip (
    .clk_i, .rst_ni, .valid_i (st_valid), .ready_i (st_ready),
    .beat_i ({st_data, st_keep, st_last, st_user}));
  stream_check #(.DataW(145), .Name("esp_tx edit -> gcm")) u_check_edit (
    .clk_i, .rst_ni, .valid_i (ed_valid), .ready_i (ed_ready),
    .beat_i ({ed_data, ed_keep, ed_last}));
  // The wire never underruns: valid stays high from a frame's first beat to its last.
  stream_gapless_check #(.Name("wire TX out")) u_check_gapless (
    .clk_i, .rst_ni, .valid_i (m_axis_tvalid_o), .ready_i (m_axis_tready_i),
    .last_i (m_axis_tlast_o));
  stream_check #(.DataW(146), .Name("esp_tx gcm -> wire buffer")) u_check_gcm (
    .clk_i, .rst_ni, .valid_i (gc_valid), .ready_i (gc_ready),
    .beat_i ({gc_data, gc_keep, gc_last, gc_user}));

endmodule
