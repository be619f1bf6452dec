// The RX direction, wire to host (contract section 7): every wire frame is classified,
// ESP frames for a known RX SA are decrypted and authenticated, and the host gets them with
// RX metadata; everything else passes unchanged or is dropped, and every frame is counted
// exactly once (contract section 4). Store and forward: a frame leaves only once it is
// complete and, if decrypted, its ICV has been checked, so a frame that fails never
// reaches the host.
//
//   wire --> input FIFO ------------------------> feed --> frame buffer, as arrived
//       \--> esp_rx_parse --> records --------/    \--> esp_gcm --> gcm_store --> buffer,
//                        \--> SA lookup --> results /                 decrypted copy
//                                                       descriptors, verdicts
//                                                               \--> esp_rx_read --> host
//
// - esp_rx_parse reads the headers as the beats arrive and looks up the SA with the beat
//   holding the SPI; the frame waits in the input FIFO meanwhile (a few beats).
// - esp_rx_feed writes each frame into the buffer and passes the frames to decrypt through
//   esp_gcm (AES-GCM in place, ICV and trailer checks); frames it does not decrypt skip it.
// - The buffer holds each frame twice over: as it arrived (what bypass and truncated frames
//   forward) and, for decrypted frames, as esp_gcm returned it. Both copies use the same
//   place, allocated when the frame is fed, and 2048 beats: two 16 KB frames.
// - esp_rx_read takes the frames in order once complete, and streams them out, the
//   metadata inserted with a fixed half-beat shift, without spending clocks on drops.
//
// Rate: one beat per clock in and out, back to back, a different SA on every frame.
// Latency from a frame's last beat in to its first beat out (limit 40): 38 clocks for a
// decrypted frame into an idle unit, 40 through the whole engine with its ingress FIFO
// (docs/architecture.md, the RX stage map); frames esp_gcm never sees leave sooner. A
// truncated frame (its IP length runs past its end) is
// cut in esp_gcm at its last beat: it costs its own beats, never filler.
//
// Wire beats carry 16 bytes each but the last (tkeep contiguous from bit 0); tuser counts
// on the last beat only.
//
// Packet offload (PktOffload = 1; docs/packet_offload.md P4, docs/architecture.md "Packet
// offload: where its stages go"): the frames of RX packet SAs take the same path, with three
// units joined to it. With PktOffload = 0 none of it exists and the unit is the Innova's.
//
//   lookup result --> esp_rx_replay check (4 clocks) --> result queue: the verdict and the
//                     inferred high half travel with the frame (esp_rx_feed: the AAD)
//   esp_rx_read  --> inner checks, esp_rx_replay commit, esp_pkt_life op --> record --> esp_rx_decap
//   esp_rx_read's host output --> beat queue (16), slice -------------------/   --> host
//
// - The lookup's result carries the packet mark and the SA's table index (res_pkt_i,
//   res_index_i); for a packet SA the replay check is asked on the result's clock with the
//   frame's sequence number (from esp_rx_parse, queued per lookup), and the result joins the
//   feed's queue CheckLatency (4) clocks later, with the verdict, the high half and the SA's
//   mode (a bit per index, written with the window's init).
// - A frame the check refuses skips esp_gcm; the others take the high half into their AAD.
// - esp_rx_read checks a tunnel's inner packet (its first bytes caught here as the decrypted
//   copy is written), commits the frames that pass their ICV, asks esp_pkt_life (the RX op
//   port, life_*: the unit sits in the engine, shared with TX) and writes each leaving frame's
//   record 13 clocks after it takes the frame; the frame's beats wait in a queue of 16 beats
//   and a register slice in front of esp_rx_decap meanwhile, with esp_rx_read's own output
//   queue of 8 behind them, so that the record's latency costs no throughput (13 clocks are
//   13 beats at one a clock).
// - Every packet SA's frame is delivered without trailer and ICV (P8), as 0x13 by the
//   decapsulator; crypto SAs' frames pass it unchanged.
// Latency with PktOffload = 1: every frame that leaves 17 or 18 clocks more than without
// (55 or 56 for a decrypted frame into an idle unit): the check's 4 (every lookup result
// waits for it, to keep the results in order), the decision's 13 behind the take, the beat
// queue and the decapsulator's output register.
module esp_rx #(
  parameter int MaxFrame   = 9216,  // largest frame accepted, bytes (at most 16383)
  parameter int PktOffload = 0,     // 1: packet offload's RX stages (packet section P4)
  parameter int NumSa      = 1024   // SA indices (the SA table's), with PktOffload
) (
  input  logic                   clk_i,
  input  logic                   rst_ni,

  // Wire side, in.
  input  logic                   s_axis_tvalid_i,
  output logic                   s_axis_tready_o,
  input  logic [127:0]           s_axis_tdata_i,   // frame byte 0 in [7:0]
  input  logic [15:0]            s_axis_tkeep_i,
  input  logic                   s_axis_tlast_i,
  input  logic                   s_axis_tuser_i,   // MAC error, valid with tlast

  // Host side, out.
  output logic                   m_axis_tvalid_o,
  input  logic                   m_axis_tready_i,
  output logic [127:0]           m_axis_tdata_o,
  output logic [15:0]            m_axis_tkeep_o,
  output logic                   m_axis_tlast_o,
  output logic                   m_axis_tuser_o,

  // SA lookup: one request per ESP candidate, result sadb_pkg::LookupLatency clocks later.
  output logic                   lkp_valid_o,
  output sadb_pkg::sa_key_t      lkp_key_o,
  input  logic                   res_valid_i,
  input  logic                   res_hit_i,
  input  sadb_pkg::sa_ctx_t      res_ctx_i,
  input  logic                   res_pkt_i,         // PktOffload: the hit SA is a packet SA
  input  logic [15:0]            res_index_i,       // PktOffload: its table index

  // PktOffload: the replay window of an RX packet SA, at ADD_SA_PKT (esp_rx_replay's init
  // port), and the SA's mode (ADD_SA_PKT `mode`: 1 tunnel), kept per index beside it.
  input  logic                   pkt_init_valid_i,
  output logic                   pkt_init_ready_o,
  input  logic [$clog2(NumSa)-1:0] pkt_init_idx_i,
  input  logic [esp_rx_replay_pkg::WordsW-1:0] pkt_init_words_i,
  input  logic                   pkt_init_esn_i,
  input  logic [63:0]            pkt_init_top_i,
  input  logic                   pkt_init_tunnel_i,

  // PktOffload: esp_pkt_life's RX op port (OpCheck a frame to deliver; OpDropA/B/C).
  output logic                   life_valid_o,
  output esp_pkt_life_pkg::life_op_e life_op_o,
  output logic [$clog2(NumSa)-1:0] life_index_o,
  output logic [16:0]            life_bytes_o,
  input  logic                   life_ans_valid_i,
  input  logic                   life_ans_pass_i,

  input  logic                   no_trailer_i,      // SET_CAP NO_TRAILER granted
  input  logic                   fwd_bad_frames_i,  // debug: forward failed frames

  // One-clock pulses, contract section 4.
  output logic                   cnt_dec_in_o,
  output logic                   cnt_dec_out_o,
  output logic                   cnt_dec_bypass_o,
  output logic                   cnt_dec_drop_o,
  output logic                   cnt_dec_auth_fail_o
);

  localparam int AddrW = esp_rx_pkg::BufAddrW;
  localparam int PtrW  = esp_rx_pkg::BufPtrW;

  // ---- Input: the FIFO the frames wait in, and the parser beside it -------------------------
  esp_rx_pkg::rx_beat_t in_beat, in_head;
  logic in_fire, in_empty, in_pop;
  logic rec_afull, rec_valid, rec_push, rec_pop;
  esp_rx_pkg::rx_parse_t rec_in, rec_head;

  always_comb begin
    in_beat.data = s_axis_tdata_i;
    in_beat.keep = s_axis_tkeep_i;
    in_beat.last = s_axis_tlast_i;
    in_beat.user = s_axis_tuser_i;
  end

  // Ready is a register, decided a clock ahead from the FIFO's and the record queue's fill
  // levels with a margin of the beat (and the record) that clock may push: the beat taken
  // is then one LUT from registers, since it drives the parser's state and the FIFO's push.
  logic in_afull, ready_q;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) ready_q <= 1'b0;
    else         ready_q <= !in_afull && !rec_afull;
  end

  assign s_axis_tready_o = ready_q;
  assign in_fire = s_axis_tvalid_i && ready_q;

  sync_fifo #(.Width($bits(in_beat)), .Depth(32)) u_in_fifo (
    .clk_i, .rst_ni,
    .push_i (in_fire), .data_i (in_beat),
    .pop_i  (in_pop), .data_o (in_head),
    .empty_o (in_empty), .full_o (), .almost_full_o (in_afull), .count_o ()
  );

  logic [31:0] lkp_sn;

  esp_rx_parse #(.MaxFrame(MaxFrame), .PktOffload(PktOffload)) u_parse (
    .clk_i, .rst_ni,
    .valid_i     (s_axis_tvalid_i),
    .beat_i      (in_fire),
    .data_i      (s_axis_tdata_i),
    .keep_i      (s_axis_tkeep_i),
    .last_i      (s_axis_tlast_i),
    .lkp_valid_o,
    .lkp_key_o,
    .lkp_sn_o    (lkp_sn),
    .rec_valid_o (rec_push),
    .rec_o       (rec_in)
  );

  // The feed decides on the heads of the record and result queues: both heads are
  // registers (head_fifo). The record is deep logic already (esp_rx_parse), so it enters
  // only the queue's LUTRAM and reaches the head a clock later than it could: the lookup
  // result of an ESP candidate comes later still, and a frame without one is not the one
  // that sets the RX latency.
  head_fifo #(.Width($bits(rec_in)), .Depth(16), .Bypass(1'b0)) u_rec_fifo (
    .clk_i, .rst_ni,
    .push_i (rec_push), .data_i (rec_in),
    .pop_i  (rec_pop), .valid_o (rec_valid), .data_o (rec_head),
    .almost_full_o (rec_afull)
  );

  // Lookup results, in request order. At most one request per record queued plus the frame
  // arriving, so 32 entries never fill. The hit bit, which the feed decides on, in a queue
  // whose head is a register, straight there when it is empty (the result of an ESP frame
  // sets the RX latency); the contexts beside it. A context is read with its frame's first
  // beat only, and popped the clock after (the pop registered, so that it reaches the
  // queue's pointers from a flip-flop): the next head of the hit queue is valid a clock
  // after a pop at the earliest, by then the context queue shows it too. They carry keys:
  // scrubbed (sync_fifo), so that none outlives its frame (docs/architecture.md, "Key
  // hygiene").
  logic              res_valid, res_pop, res_ctx_pop_q, res_head_hit;
  sadb_pkg::sa_ctx_t res_head_ctx, feed_ctx;
  // PktOffload: the ESN fields the feed reads, with the hit (a packet SA's: its inferred high
  // half, no ESN_OVERLAP).
  logic              res_head_ovl;
  logic [31:0]       res_head_esn_hi;
  // The replay commit, between esp_rx_read and esp_rx_replay (PktOffload).
  logic                 cmt_valid, cmt_ans_valid;
  logic [$clog2(NumSa)-1:0] cmt_idx;
  logic [63:0]          cmt_seq;
  esp_rx_replay_pkg::replay_verdict_e cmt_verdict;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) res_ctx_pop_q <= 1'b0;
    else         res_ctx_pop_q <= res_pop;
  end

  esp_rx_pkg::rx_pkt_res_t res_head_pkt;
  esp_rx_pkg::rx_pkt_res_t res_pkt_in;  // PktOffload: what joins the hit in its queue

  if (PktOffload == 0) begin : g_res
    head_fifo #(.Width(1), .Depth(32)) u_res_hit (
      .clk_i, .rst_ni,
      .push_i (res_valid_i), .data_i (res_hit_i),
      .pop_i  (res_pop), .valid_o (res_valid), .data_o (res_head_hit),
      .almost_full_o ()
    );
    assign res_head_pkt     = '0;
    assign res_pkt_in       = '0;
    assign res_head_ovl     = 1'b0;
    assign res_head_esn_hi  = '0;
    assign feed_ctx         = res_head_ctx;
    assign pkt_init_ready_o = 1'b0;
    // Without packet offload its ports and the read side's packet outputs go nowhere.
    logic unused_pkt;
    assign unused_pkt = ^{res_pkt_i, res_index_i, pkt_init_valid_i, pkt_init_idx_i,
                          pkt_init_words_i, pkt_init_esn_i, pkt_init_top_i, pkt_init_tunnel_i,
                          lkp_sn, cmt_valid, cmt_idx, cmt_seq, pdesc_in, drec_valid, drec,
                          res_pkt_in, gcm_beat, res_head_ovl, res_head_esn_hi};
  end else begin : g_res_pkt
    // ---- Packet offload: the replay check, asked with the lookup's result ----------------
    localparam int IdxW = $clog2(NumSa);
    localparam int ChkLat = esp_rx_replay_pkg::CheckLatency;

    // The sequence number of each lookup in flight, in request order (a lookup per frame of
    // 3 beats or more, LookupLatency clocks each: 8 entries never fill).
    logic [31:0] sn_head;
    sync_fifo #(.Width(32), .Depth(8)) u_sn_fifo (
      .clk_i, .rst_ni,
      .push_i (lkp_valid_o), .data_i (lkp_sn),
      .pop_i  (res_valid_i), .data_o (sn_head),
      .empty_o (), .full_o (), .almost_full_o (), .count_o ()
    );

    logic chk_ask, chk_valid, init_ready;
    logic [31:0] chk_seq_hi;
    esp_rx_replay_pkg::replay_verdict_e chk_verdict;
    assign chk_ask = res_valid_i && res_hit_i && res_pkt_i;

    esp_rx_replay #(.NumSa(NumSa)) u_replay (
      .clk_i, .rst_ni,
      .init_valid_i  (pkt_init_valid_i),
      .init_ready_o  (init_ready),
      .init_idx_i    (pkt_init_idx_i),
      .init_words_i  (pkt_init_words_i),
      .init_esn_i    (pkt_init_esn_i),
      .init_top_i    (pkt_init_top_i),
      .chk_valid_i   (chk_ask),
      .chk_idx_i     (IdxW'(res_index_i)),
      .chk_sn_i      (sn_head),
      .chk_valid_o   (chk_valid),
      .chk_seq_hi_o  (chk_seq_hi),
      .chk_verdict_o (chk_verdict),
      .cmt_valid_i   (cmt_valid),
      .cmt_idx_i     (cmt_idx),
      .cmt_seq_i     (cmt_seq),
      .cmt_valid_o   (cmt_ans_valid),
      .cmt_verdict_o (cmt_verdict)
    );
    assign pkt_init_ready_o = init_ready;

    // The SA's mode, a bit per index, written with its window, read with the check.
    logic mode_rd;
    sdp_ram #(.Width(1), .Depth(NumSa)) u_mode (
      .clk_i,
      .we_i (pkt_init_valid_i && init_ready), .waddr_i (pkt_init_idx_i),
      .wdata_i (pkt_init_tunnel_i),
      .re_i (chk_ask), .raddr_i (IdxW'(res_index_i)), .rdata_o (mode_rd)
    );

    // The result, CheckLatency clocks behind, to meet the check's answer.
    logic [ChkLat:1] d_v_q, d_hit_q, d_pkt_q;
    logic [ChkLat:2] d_mode_q;
    logic [16*ChkLat-1:0] d_idx_q;  // index i - 1 in bits 16i-1 .. 16i-16
    logic [ChkLat:1]      d_ovl_q;
    logic [32*ChkLat-1:0] d_esn_hi_q;

    always_ff @(posedge clk_i or negedge rst_ni) begin
      if (!rst_ni) d_v_q <= '0;
      else         d_v_q <= {d_v_q[ChkLat-1:1], res_valid_i};
    end

    always_ff @(posedge clk_i) begin
      d_hit_q  <= {d_hit_q[ChkLat-1:1], res_hit_i};
      d_pkt_q  <= {d_pkt_q[ChkLat-1:1], res_hit_i && res_pkt_i};
      d_mode_q <= {d_mode_q[ChkLat-1:2], mode_rd};
      d_idx_q  <= {d_idx_q[16*(ChkLat-1)-1:0], res_index_i};
      d_ovl_q  <= {d_ovl_q[ChkLat-1:1], res_ctx_i.esn_overlap};
      d_esn_hi_q <= {d_esn_hi_q[32*(ChkLat-1)-1:0], res_ctx_i.esn_hi};
    end

    always_comb begin
      res_pkt_in.pkt     = d_pkt_q[ChkLat];
      res_pkt_in.tunnel  = d_mode_q[ChkLat];
      res_pkt_in.idx     = d_idx_q[16*ChkLat-1 -: 16];
      res_pkt_in.verdict = chk_verdict;
      res_pkt_in.seq_hi  = chk_seq_hi;
    end

    // The ESN fields the feed's AAD takes, decided here, where they are registers: a packet
    // SA's high half is the check's (P8: its ESN_OVERLAP and esn_hi are not used), so that
    // the feed's AAD has no choice of its own to make.
    logic        ovl_in;
    logic [31:0] esn_hi_in;
    assign ovl_in    = !d_pkt_q[ChkLat] && d_ovl_q[ChkLat];
    assign esn_hi_in = d_pkt_q[ChkLat] ? chk_seq_hi : d_esn_hi_q[32*ChkLat-1 -: 32];

    head_fifo #(.Width(1 + $bits(res_pkt_in) + 33), .Depth(32)) u_res_hit (
      .clk_i, .rst_ni,
      .push_i (d_v_q[ChkLat]), .data_i ({d_hit_q[ChkLat], res_pkt_in, ovl_in, esn_hi_in}),
      .pop_i  (res_pop), .valid_o (res_valid),
      .data_o ({res_head_hit, res_head_pkt, res_head_ovl, res_head_esn_hi}),
      .almost_full_o ()
    );

    always_comb begin
      feed_ctx             = res_head_ctx;
      feed_ctx.esn_overlap = res_head_ovl;
      feed_ctx.esn_hi      = res_head_esn_hi;
    end

    logic unused_chk;  // the check's valid: the assertion below reads it
    assign unused_chk = chk_valid;

`ifdef IPSEC_ASSERTIONS
    always_ff @(posedge clk_i or negedge rst_ni) begin
      if (!rst_ni) begin
      end else begin
        assert (chk_valid == (d_v_q[ChkLat] && d_pkt_q[ChkLat]))
          else $error("esp_rx: a replay check's answer out of its place");
      end
    end
`endif
  end

  sync_fifo #(.Width($bits(res_ctx_i)), .Depth(32), .Scrub(1'b1)) u_res_fifo (
    .clk_i, .rst_ni,
    .push_i (res_valid_i), .data_i (res_ctx_i),
    .pop_i  (res_ctx_pop_q), .data_o (res_head_ctx),
    .empty_o (), .full_o (), .almost_full_o (), .count_o ()
  );

  // ---- Feed: buffer writes, esp_gcm, descriptors --------------------------------------------
  logic                 gcm_in_valid, gcm_in_ready, gcm_in_last;
  logic [127:0]         gcm_in_data;
  logic [15:0]          gcm_in_keep;
  esp_pkg::gcm_ctx_t    gcm_in_ctx;
  logic [PtrW-1:0]      free_ptr;
  logic [AddrW-1:0]     gbase_in, gbase_head;
  logic                 orig_we, gbase_push, gbase_full, gbase_pop;
  logic [AddrW-1:0]     orig_waddr;
  logic [127:0]         orig_wdata;
  localparam int DescDepth = 32;
  logic                 desc_push, desc_empty, desc_pop;
  logic [$clog2(DescDepth):0] desc_count;
  esp_rx_pkg::rx_desc_t desc_in, desc_head;

  esp_rx_pkg::rx_pkt_desc_t pdesc_in, pdesc_head;

  esp_rx_feed #(.MaxFrame(MaxFrame), .DescDepth(DescDepth), .PktOffload(PktOffload)) u_feed (
    .clk_i, .rst_ni,
    .in_valid_i   (!in_empty),
    .in_beat_i    (in_head),
    .in_pop_o     (in_pop),
    .rec_valid_i  (rec_valid),
    .rec_i        (rec_head),
    .rec_pop_o    (rec_pop),
    .res_valid_i  (res_valid),
    .res_hit_i    (res_head_hit),
    .res_ctx_i    (feed_ctx),
    .res_pkt_i    (res_head_pkt),
    .res_pop_o    (res_pop),
    .gcm_valid_o  (gcm_in_valid),
    .gcm_ready_i  (gcm_in_ready),
    .gcm_data_o   (gcm_in_data),
    .gcm_keep_o   (gcm_in_keep),
    .gcm_last_o   (gcm_in_last),
    .gcm_ctx_o    (gcm_in_ctx),
    .free_ptr_i   (free_ptr),
    .buf_we_o     (orig_we),
    .buf_waddr_o  (orig_waddr),
    .buf_wdata_o  (orig_wdata),
    .gbase_push_o (gbase_push),
    .gbase_o      (gbase_in),
    .gbase_full_i (gbase_full),
    .desc_push_o  (desc_push),
    .desc_o       (desc_in),
    .pdesc_o      (pdesc_in),
    .desc_count_i (desc_count)
  );

  sync_fifo #(.Width(AddrW), .Depth(16)) u_gbase_fifo (
    .clk_i, .rst_ni,
    .push_i (gbase_push), .data_i (gbase_in),
    .pop_i  (gbase_pop), .data_o (gbase_head),
    .empty_o (), .full_o (gbase_full), .almost_full_o (), .count_o ()
  );

  // Frames in the buffer, in order. Its depth bounds the frames stored at once.
  sync_fifo #(.Width($bits(desc_in)), .Depth(DescDepth)) u_desc_fifo (
    .clk_i, .rst_ni,
    .push_i (desc_push), .data_i (desc_in),
    .pop_i  (desc_pop), .data_o (desc_head),
    .empty_o (desc_empty), .full_o (), .almost_full_o (), .count_o (desc_count)
  );

  // A stored frame's packet facts, beside its descriptor (PktOffload).
  if (PktOffload != 0) begin : g_pdesc
    sync_fifo #(.Width($bits(pdesc_in)), .Depth(DescDepth)) u_pdesc_fifo (
      .clk_i, .rst_ni,
      .push_i (desc_push), .data_i (pdesc_in),
      .pop_i  (desc_pop), .data_o (pdesc_head),
      .empty_o (), .full_o (), .almost_full_o (), .count_o ()
    );
  end else begin : g_no_pdesc
    assign pdesc_head = '0;
  end

  // ---- Decryption ----------------------------------------------------------------------------
  logic                 gcm_out_valid, gcm_out_last;
  logic [127:0]         gcm_out_data;
  logic [15:0]          gcm_out_keep;
  logic                 st_valid, st_ready;
  esp_pkg::gcm_status_t st;

  esp_gcm u_gcm (
    .clk_i, .rst_ni,
    .s_valid_i  (gcm_in_valid),
    .s_ready_o  (gcm_in_ready),
    .s_data_i   (gcm_in_data),
    .s_keep_i   (gcm_in_keep),
    .s_last_i   (gcm_in_last),
    .s_ctx_i    (gcm_in_ctx),
    .m_valid_o  (gcm_out_valid),
    .m_ready_i  (1'b1),
    .m_data_o   (gcm_out_data),
    .m_keep_o   (gcm_out_keep),
    .m_last_o   (gcm_out_last),
    .st_valid_o (st_valid),
    .st_ready_i (st_ready),
    .st_o       (st)
  );

  logic                 gcm_we, done_push, done_full, done_empty, done_pop;
  logic [AddrW-1:0]     gcm_waddr, gcm_beat;
  logic [47:0]          inner_head;
  logic [127:0]         gcm_wdata;
  esp_pkg::gcm_status_t done_in, done_head;

  esp_rx_gcm_store u_store (
    .clk_i, .rst_ni,
    .gbase_i     (gbase_head),
    .gbase_pop_o (gbase_pop),
    .gcm_valid_i (gcm_out_valid),
    .gcm_data_i  (gcm_out_data),
    .gcm_keep_i  (gcm_out_keep),
    .gcm_last_i  (gcm_out_last),
    .st_valid_i  (st_valid),
    .st_ready_o  (st_ready),
    .st_i        (st),
    .buf_we_o    (gcm_we),
    .buf_waddr_o (gcm_waddr),
    .buf_wdata_o (gcm_wdata),
    .buf_beat_o  (gcm_beat),
    .done_push_o (done_push),
    .done_o      (done_in),
    .done_full_i (done_full)
  );

  // The verdicts, in frame order. With PktOffload the queue's head is a register
  // (head_fifo): the read side's take decides on the verdict (forward or drop) in the clock
  // it reads it, and with packet offload's stages behind the take that decision is a level
  // too deep from a LUTRAM read. The head refills a clock after a pop, so a verdict waiting
  // behind one taken is there 2 clocks later: a frame that leaves is 4 tokens or more, and
  // a dropped one is taken a clock later than it would be. 32 verdicts either way (the
  // head and 31 behind it: `almost_full_o`, a register function, is the room).
  if (PktOffload != 0) begin : g_done_head
    logic done_valid;
    head_fifo #(.Width($bits(done_in)), .Depth(32)) u_done_fifo (
      .clk_i, .rst_ni,
      .push_i (done_push), .data_i (done_in),
      .pop_i  (done_pop), .valid_o (done_valid), .data_o (done_head),
      .almost_full_o (done_full)
    );
    assign done_empty = !done_valid;
  end else begin : g_done_queue
    sync_fifo #(.Width($bits(done_in)), .Depth(32)) u_done_fifo (
      .clk_i, .rst_ni,
      .push_i (done_push), .data_i (done_in),
      .pop_i  (done_pop), .data_o (done_head),
      .empty_o (done_empty), .full_o (done_full), .almost_full_o (), .count_o ()
    );
  end

  // PktOffload: a tunnel's inner packet header, for esp_rx_read's checks (packet section P8).
  // Its first 6 bytes as esp_gcm returns the frame: after an outer IPv4 header frame bytes
  // 50..55 (beat 3, lanes 2..7), after IPv6 bytes 70..75 (beat 4, lanes 6..11), the family
  // from beat 0's EtherType (bytes 12..13). The beat's index in its frame is a register of
  // esp_rx_gcm_store; esp_gcm's valid alone says a beat is there (a beat with no bytes, which
  // is not stored, ends a frame too short to carry an inner header: the checks refuse it on
  // its length). One entry per frame through esp_gcm, in order, at its last beat: read with
  // the frame's verdict. Frames in the buffer at once are fewer than 64.
  if (PktOffload != 0) begin : g_inner
    logic        v6_q, v6_d, at3, at4;
    logic [47:0] in_q, in_d;
    assign at3 = gcm_out_valid && gcm_beat == AddrW'(3);
    assign at4 = gcm_out_valid && gcm_beat == AddrW'(4);
    always_comb begin
      v6_d = v6_q;
      if (gcm_out_valid && gcm_beat == '0) v6_d = gcm_out_data[111:96] == 16'hDD86;
      in_d = in_q;
      if (at3 && !v6_q) in_d = gcm_out_data[63:16];
      if (at4 && v6_q)  in_d = gcm_out_data[95:48];
    end
    always_ff @(posedge clk_i) begin
      v6_q <= v6_d;
      in_q <= in_d;
    end
    sync_fifo #(.Width(48), .Depth(64)) u_inner_fifo (
      .clk_i, .rst_ni,
      .push_i (gcm_out_valid && gcm_out_last), .data_i (in_d),
      .pop_i  (done_pop), .data_o (inner_head),
      .empty_o (), .full_o (), .almost_full_o (), .count_o ()
    );
  end else begin : g_no_inner
    assign inner_head = '0;
  end

  // ---- Frame buffer: as arrived, and decrypted ----------------------------------------------
  logic             orig_re, gcm_re;
  logic [AddrW-1:0] raddr;
  logic [127:0]     orig_rdata, gcm_rdata;

  sdp_ram #(.Width(128), .Depth(esp_rx_pkg::BufDepth)) u_orig_ram (
    .clk_i,
    .we_i (orig_we), .waddr_i (orig_waddr), .wdata_i (orig_wdata),
    .re_i (orig_re), .raddr_i (raddr), .rdata_o (orig_rdata)
  );

  sdp_ram #(.Width(128), .Depth(esp_rx_pkg::BufDepth)) u_gcm_ram (
    .clk_i,
    .we_i (gcm_we), .waddr_i (gcm_waddr), .wdata_i (gcm_wdata),
    .re_i (gcm_re), .raddr_i (raddr), .rdata_o (gcm_rdata)
  );

  // ---- Read side -----------------------------------------------------------------------------
  logic         rd_valid, rd_ready, rd_last;
  logic [127:0] rd_data;
  logic [15:0]  rd_keep;
  logic         drec_valid;
  esp_rx_pkg::rx_decap_rec_t drec;

  esp_rx_read #(.PktOffload(PktOffload), .NumSa(NumSa)) u_read (
    .clk_i, .rst_ni,
    .no_trailer_i,
    .fwd_bad_frames_i,
    .desc_valid_i (!desc_empty),
    .desc_i       (desc_head),
    .pdesc_i      (pdesc_head),
    .desc_pop_o   (desc_pop),
    .done_valid_i (!done_empty),
    .done_i       (done_head),
    .inner_i      (inner_head),
    .done_pop_o   (done_pop),
    .free_ptr_o   (free_ptr),
    .orig_re_o    (orig_re),
    .gcm_re_o     (gcm_re),
    .raddr_o      (raddr),
    .orig_rdata_i (orig_rdata),
    .gcm_rdata_i  (gcm_rdata),
    .m_axis_tvalid_o (rd_valid),
    .m_axis_tready_i (rd_ready),
    .m_axis_tdata_o  (rd_data),
    .m_axis_tkeep_o  (rd_keep),
    .m_axis_tlast_o  (rd_last),
    .cnt_dec_in_o,
    .cnt_dec_out_o,
    .cnt_dec_bypass_o,
    .cnt_dec_drop_o,
    .cnt_dec_auth_fail_o,
    .cmt_valid_o      (cmt_valid),
    .cmt_idx_o        (cmt_idx),
    .cmt_seq_o        (cmt_seq),
    .cmt_valid_i      (cmt_ans_valid),
    .cmt_verdict_i    (cmt_verdict),
    .life_valid_o,
    .life_op_o,
    .life_index_o,
    .life_bytes_o,
    .life_ans_valid_i,
    .life_ans_pass_i,
    .rec_valid_o      (drec_valid),
    .rec_o            (drec)
  );

  if (PktOffload == 0) begin : g_out
    assign m_axis_tvalid_o = rd_valid;
    assign rd_ready        = m_axis_tready_i;
    assign m_axis_tdata_o  = rd_data;
    assign m_axis_tkeep_o  = rd_keep;
    assign m_axis_tlast_o  = rd_last;
    assign m_axis_tuser_o  = 1'b0;
    assign cmt_ans_valid   = 1'b0;
    assign cmt_verdict     = esp_rx_replay_pkg::ReplayFresh;
  end else begin : g_out_pkt
    // The beats wait here for their frame's record (12 clocks behind the take), then pass
    // esp_rx_decap: 0x13 for a packet SA's good frame, unchanged for every other.
    // A beat: data, keep, last.
    logic [144:0] q_in, q_head, dc_beat;
    logic   q_empty, q_full, q_pop, sk_ready, dc_valid, dc_ready, dc_rec_ready;

    assign q_in     = {rd_data, rd_keep, rd_last};
    assign rd_ready = !q_full;
    assign q_pop    = !q_empty && sk_ready;

    sync_fifo #(.Width($bits(q_in)), .Depth(16)) u_beatq (
      .clk_i, .rst_ni,
      .push_i (rd_valid && !q_full), .data_i (q_in),
      .pop_i  (q_pop), .data_o (q_head),
      .empty_o (q_empty), .full_o (q_full), .almost_full_o (), .count_o ()
    );

    // A register slice: the decapsulator's input paths start at flip-flops, not at the
    // queue's LUTRAM read.
    stream_skid #(.DataW($bits(q_in))) u_beat_slice (
      .clk_i, .rst_ni,
      .s_valid_i (!q_empty), .s_ready_o (sk_ready), .s_data_i (q_head),
      .m_valid_o (dc_valid), .m_ready_i (dc_ready), .m_data_o (dc_beat)
    );

    // Records of the frames between the take and the decapsulator: each frame in the queues
    // above (16 beats, 2 in the slice, 8 in esp_rx_read's output queue) but the last is 4
    // beats or more, so 16 records never fill it.
    esp_rx_decap #(.RecDepth(16)) u_decap (
      .clk_i, .rst_ni,
      .rec_valid_i     (drec_valid),
      .rec_ready_o     (dc_rec_ready),
      .rec_i           (drec),
      .s_axis_tvalid_i (dc_valid),
      .s_axis_tready_o (dc_ready),
      .s_axis_tdata_i  (dc_beat[144:17]),
      .s_axis_tkeep_i  (dc_beat[16:1]),
      .s_axis_tlast_i  (dc_beat[0]),
      .s_axis_tuser_i  (1'b0),
      .m_axis_tvalid_o,
      .m_axis_tready_i,
      .m_axis_tdata_o,
      .m_axis_tkeep_o,
      .m_axis_tlast_o,
      .m_axis_tuser_o,
      // Lifetimes are counted before delivery (esp_rx_read's OpCheck), a tunnel's next
      // header decided there too.
      .life_valid_o    (),
      .life_sa_index_o (),
      .life_bytes_o    (),
      .bad_inner_o     ()
    );

    logic unused_rec_ready;  // the record queue's ready: the assertion below reads it
    assign unused_rec_ready = dc_rec_ready;

`ifdef IPSEC_ASSERTIONS
    always_ff @(posedge clk_i or negedge rst_ni) begin
      if (!rst_ni) begin
      end else begin
        assert (!drec_valid || dc_rec_ready)
          else $error("esp_rx: a decapsulation record with its queue full");
      end
    end
`endif
  end

  // Handshake checks between the blocks (simulation with assertions only).
  stream_check #(.DataW(145 + $bits(gcm_in_ctx)), .Name("esp_rx feed -> gcm")) u_check_gcm_in (
    .clk_i, .rst_ni, .valid_i (gcm_in_valid), .ready_i (gcm_in_ready),
    .beat_i ({gcm_in_data, gcm_in_keep, gcm_in_last, gcm_in_ctx}));
  stream_check #(.DataW($bits(st)), .Name("esp_rx gcm status")) u_check_gcm_status (
    .clk_i, .rst_ni, .valid_i (st_valid), .ready_i (st_ready), .beat_i (st));

endmodule
