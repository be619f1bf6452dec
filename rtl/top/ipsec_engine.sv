// The inline IPsec ESP offload engine: the FPGA between the NIC and the wire
// (docs/architecture.md). One clock, asynchronous active-low reset.
//   host TX in  -> esp_tx (encrypt, contract section 6; PktOffload: the encapsulator in
//                  front, packet section P3) -> wire TX out
//   wire RX in  -> esp_rx_ingress (frame FIFO, never back-pressured; a frame without room is
//                  dropped whole) -> esp_rx (decrypt, contract section 7; PktOffload: the
//                  replay window and the 0x13 delivery, packet section P4) -> host RX out
//   AXI4-Lite   -> ipsec_ctrl: registers, SA commands, SA table, counters
//                  (PktOffload: esp_pkt_life beside it, packet SAs' counters and events)
// Streams: 128-bit tdata with frame byte 0 in [7:0], tkeep, tlast, tuser (frame error from
// the MAC on input; on the wire output it marks a frame the MAC must discard).
module ipsec_engine #(
  parameter int unsigned NumSa    = 1024,  // SA table entries
  parameter int unsigned MaxFrame = 9216,  // largest frame accepted, bytes
  // Wire RX ingress FIFO, beats of 16 bytes, a power of two of at least 2 * MaxFrame / 16:
  // 2048 is 32 KB, 3.5 frames of 9216 bytes (block RAM).
  parameter int unsigned RxFifoBeats = 2048,
  // Full packet offload (docs/packet_offload.md): the control plane's registers and
  // commands, esp_tx's and esp_rx's packet stages, and the per-SA counters and event queue
  // (esp_pkt_life). 0: the Innova, byte for byte and clock for clock.
  parameter int unsigned PktOffload = 0  // 0 or 1
) (
  input  logic         clk_i,
  input  logic         rst_ni,

  // AXI4-Lite slave: control and status.
  output logic         s_axil_awready_o,
  input  logic         s_axil_awvalid_i,
  input  logic [11:0]  s_axil_awaddr_i,
  input  logic [2:0]   s_axil_awprot_i,
  output logic         s_axil_wready_o,
  input  logic         s_axil_wvalid_i,
  input  logic [31:0]  s_axil_wdata_i,
  input  logic [3:0]   s_axil_wstrb_i,
  input  logic         s_axil_bready_i,
  output logic         s_axil_bvalid_o,
  output logic [1:0]   s_axil_bresp_o,
  output logic         s_axil_arready_o,
  input  logic         s_axil_arvalid_i,
  input  logic [11:0]  s_axil_araddr_i,
  input  logic [2:0]   s_axil_arprot_i,
  input  logic         s_axil_rready_i,
  output logic         s_axil_rvalid_o,
  output logic [31:0]  s_axil_rdata_o,
  output logic [1:0]   s_axil_rresp_o,

  // Host TX in: frames from the NIC, with TX metadata for those to encrypt.
  input  logic         host_tx_tvalid_i,
  output logic         host_tx_tready_o,
  input  logic [127:0] host_tx_tdata_i,
  input  logic [15:0]  host_tx_tkeep_i,
  input  logic         host_tx_tlast_i,
  input  logic         host_tx_tuser_i,

  // Wire TX out.
  output logic         wire_tx_tvalid_o,
  input  logic         wire_tx_tready_i,
  output logic [127:0] wire_tx_tdata_o,
  output logic [15:0]  wire_tx_tkeep_o,
  output logic         wire_tx_tlast_o,
  output logic         wire_tx_tuser_o,

  // Wire RX in.
  input  logic         wire_rx_tvalid_i,
  output logic         wire_rx_tready_o,
  input  logic [127:0] wire_rx_tdata_i,
  input  logic [15:0]  wire_rx_tkeep_i,
  input  logic         wire_rx_tlast_i,
  input  logic         wire_rx_tuser_i,

  // Host RX out: frames to the NIC, with RX metadata for those decrypted.
  output logic         host_rx_tvalid_o,
  input  logic         host_rx_tready_i,
  output logic [127:0] host_rx_tdata_o,
  output logic [15:0]  host_rx_tkeep_o,
  output logic         host_rx_tlast_o,
  output logic         host_rx_tuser_o,

  // A command response is waiting.
  output logic         irq_o
);

  logic              tx_lkp_valid, tx_res_valid, tx_res_hit;
  logic              rx_lkp_valid, rx_res_valid, rx_res_hit;
  sadb_pkg::sa_key_t tx_lkp_key, rx_lkp_key;
  logic              tx_lkp_by_index;
  logic [15:0]       tx_lkp_index;
  sadb_pkg::sa_ctx_t tx_res_ctx, rx_res_ctx;
  logic              no_trailer, fwd_bad_frames;
  logic              dec_in, dec_out, dec_bypass, dec_drop, dec_auth_fail;
  logic              enc_in, enc_out, enc_bypass, enc_drop;
  logic              dec_overflow;
  logic              rx_in_valid, rx_in_ready, rx_in_last, rx_in_user;
  logic [127:0]      rx_in_data;
  logic [15:0]       rx_in_keep;

  // Packet offload's per-SA counters, limits and event queue (packet sections P5, P6):
  // esp_pkt_life beside the register block, with PktOffload only; without it the register
  // block answers those addresses itself (SLVERR) and its ports here are tied.
  localparam int unsigned IdxW = $clog2(NumSa);
  logic         pkt_stats_req, pkt_stats_busy, evt_pop, evt_valid;
  logic [15:0]  pkt_stats_index;
  logic [319:0] pkt_stats_word;
  logic [31:0]  evt_word0, evt_word1;
  logic [63:0]  evt_drop;

  // Packet offload between the blocks (PktOffload only; tied otherwise): the packet SAs the
  // command executor adds and deletes (one record at a time, to the three units that keep
  // a packet SA's state), the lookups' packet mark and index (RX: the replay window's and
  // the delivery's SA), the two directions' lifetime ops, and the hard-expired marks.
  logic                        pkt_sa_valid, pkt_sa_ready;
  sadb_pkg::pkt_sa_cmd_t       pkt_sa;
  logic                        tx_res_pkt, rx_res_pkt;
  logic [15:0]                 tx_res_index, rx_res_index;
  logic                        tx_sw_valid, tx_sw_ready;
  esp_pkg::tx_pkt_sa_t         tx_sw_sa;
  logic                        rx_init_valid, rx_init_ready;
  logic                        hx_valid, hx_expired;
  logic [IdxW-1:0]             hx_index;
  logic                        tx_life_valid, rx_life_valid;
  esp_pkt_life_pkg::life_op_e  tx_life_op, rx_life_op;
  logic [IdxW-1:0]             tx_life_index, rx_life_index;
  logic [16:0]                 tx_life_bytes, rx_life_bytes;
  logic                        tx_ans_valid, tx_ans_pass, rx_ans_valid, rx_ans_pass;

  ipsec_ctrl #(.NumSa(NumSa), .MaxFrame(MaxFrame), .PktOffload(PktOffload)) u_ctrl (
    .clk_i, .rst_ni,
    .s_axil_awready_o, .s_axil_awvalid_i, .s_axil_awaddr_i, .s_axil_awprot_i,
    .s_axil_wready_o, .s_axil_wvalid_i, .s_axil_wdata_i, .s_axil_wstrb_i,
    .s_axil_bready_i, .s_axil_bvalid_o, .s_axil_bresp_o,
    .s_axil_arready_o, .s_axil_arvalid_i, .s_axil_araddr_i, .s_axil_arprot_i,
    .s_axil_rready_i, .s_axil_rvalid_o, .s_axil_rdata_o, .s_axil_rresp_o,
    .irq_o,
    .tx_lkp_valid_i (tx_lkp_valid), .tx_lkp_key_i (tx_lkp_key),
    .tx_lkp_by_index_i (tx_lkp_by_index), .tx_lkp_index_i (tx_lkp_index),
    .tx_res_valid_o (tx_res_valid), .tx_res_hit_o (tx_res_hit), .tx_res_ctx_o (tx_res_ctx),
    .rx_lkp_valid_i (rx_lkp_valid), .rx_lkp_key_i (rx_lkp_key),
    .rx_res_valid_o (rx_res_valid), .rx_res_hit_o (rx_res_hit), .rx_res_ctx_o (rx_res_ctx),
    .dec_in_i (dec_in), .dec_out_i (dec_out), .dec_bypass_i (dec_bypass),
    .enc_in_i (enc_in), .enc_out_i (enc_out), .enc_bypass_i (enc_bypass),
    .dec_drop_i (dec_drop), .dec_auth_fail_i (dec_auth_fail), .enc_drop_i (enc_drop),
    .dec_overflow_i (dec_overflow),
    .no_trailer_o (no_trailer), .fwd_bad_frames_o (fwd_bad_frames),
    .pkt_stats_req_o (pkt_stats_req), .pkt_stats_index_o (pkt_stats_index),
    .pkt_stats_busy_i (pkt_stats_busy), .pkt_stats_word_i (pkt_stats_word),
    .evt_valid_i (evt_valid), .evt_word0_i (evt_word0), .evt_word1_i (evt_word1),
    .evt_pop_o (evt_pop), .evt_drop_i (evt_drop),
    .tx_res_pkt_o (tx_res_pkt), .tx_res_index_o (tx_res_index),
    .rx_res_pkt_o (rx_res_pkt), .rx_res_index_o (rx_res_index),
    .pkt_sa_valid_o (pkt_sa_valid), .pkt_sa_ready_i (pkt_sa_ready), .pkt_sa_o (pkt_sa)
  );

  if (PktOffload != 0) begin : gen_pkt_life

    // Snapshot requests. While the unit clears its entries after reset (NumSa clocks, in
    // which a driver's probe may already write the index) no index holds a packet SA (the
    // SA table clears as long, and takes no command meanwhile): the answer is zeros, at once.
    // Once it is ready, a request waits while the unit is busy with the one before (a master
    // may write the index twice within SnapLatency clocks); the register block holds its
    // reads meanwhile (busy), and the index is its stored field, so the snapshot taken is
    // that of the last index written.
    // The words read zeros until the first snapshot (the unit's output registers are not
    // reset), after one asked during the clearing, and for an index beyond the table:
    // PKT_STATS_INDEX is 16 bits, and such an index snapshots zeros (packet section P8), as
    // the unit's own answer for an index holding no packet SA. The flag is taken with the
    // snapshot it belongs to and held with it.
    logic         life_ready, snap_busy, snap_ask, snap_go, snap_wait_q, snap_zero_q;
    logic [319:0] snap_words;

    assign snap_ask = pkt_stats_req || snap_wait_q;
    assign snap_go  = snap_ask && life_ready && !snap_busy;

    always_ff @(posedge clk_i or negedge rst_ni) begin
      if (!rst_ni) begin
        snap_wait_q <= 1'b0;
        snap_zero_q <= 1'b1;
      end else begin
        snap_wait_q <= snap_ask && life_ready && !snap_go;
        if (snap_go)                          snap_zero_q <= (pkt_stats_index >> IdxW) != '0;
        else if (pkt_stats_req && !life_ready) snap_zero_q <= 1'b1;
      end
    end

    assign pkt_stats_busy = snap_wait_q || snap_busy;

    // A packet SA's record goes to the units that keep its state: the encapsulator's TX
    // state (a TX SA, added or deleted: a deleted one's frames are refused), the RX replay
    // window (an RX SA added), and the lifetime unit (every record: its counters and limits
    // set, or cleared on a delete). The record stays on pkt_sa until ready (the executor
    // holds it, fields straight from the image in the mailbox); each unit takes it when it
    // can, on its own handshake, from a pending flag of its own, so no unit's valid waits
    // on another's ready, and ready returns once all have taken it. A unit may hold it
    // back for a frame's length (the encapsulator, while a frame's state is read and
    // written back), and the lifetime unit until its clearing after reset is done.
    logic pend_tx_q, pend_rx_q, pend_life_q, rec_busy_q;
    logic life_init_ready, life_init_valid;

    always_ff @(posedge clk_i or negedge rst_ni) begin
      if (!rst_ni) begin
        rec_busy_q  <= 1'b0;
        pend_tx_q   <= 1'b0;
        pend_rx_q   <= 1'b0;
        pend_life_q <= 1'b0;
      end else if (!rec_busy_q) begin
        rec_busy_q  <= pkt_sa_valid;
        pend_tx_q   <= pkt_sa_valid && pkt_sa.tx;
        pend_rx_q   <= pkt_sa_valid && !pkt_sa.tx && pkt_sa.add;
        pend_life_q <= pkt_sa_valid;
      end else begin
        if (tx_sw_valid && tx_sw_ready)         pend_tx_q   <= 1'b0;
        if (rx_init_valid && rx_init_ready)     pend_rx_q   <= 1'b0;
        if (life_init_valid && life_init_ready) pend_life_q <= 1'b0;
        if (pkt_sa_ready)                       rec_busy_q  <= 1'b0;
      end
    end

    assign pkt_sa_ready    = rec_busy_q && !pend_tx_q && !pend_rx_q && !pend_life_q;
    assign tx_sw_valid     = pend_tx_q;
    assign rx_init_valid   = pend_rx_q;
    assign life_init_valid = pend_life_q && life_ready;

    always_comb begin
      tx_sw_sa.valid  = pkt_sa.add;
      tx_sw_sa.handle = pkt_sa.handle[15:0];
      tx_sw_sa.spi    = pkt_sa.spi;
      tx_sw_sa.esn    = pkt_sa.esn;
      tx_sw_sa.seq    = pkt_sa.seq;
      tx_sw_sa.tunnel = pkt_sa.tunnel;
      tx_sw_sa.outer6 = pkt_sa.ipv6;
      tx_sw_sa.sip    = pkt_sa.sip;
      tx_sw_sa.dip    = pkt_sa.dip;
      tx_sw_sa.ttl    = pkt_sa.ttl;
      tx_sw_sa.tos    = pkt_sa.tos;
      tx_sw_sa.flags  = pkt_sa.tun_flags;
      tx_sw_sa.flow   = pkt_sa.flow;
    end

    // esp_tx reads the hit alone: the table applies the rule (crypto SAs by key, packet
    // SAs by the index of a frame the encapsulator made).
    logic unused_tx_res;
    assign unused_tx_res = ^{tx_res_pkt, tx_res_index};

    esp_pkt_life_pkg::life_cfg_t life_cfg;
    always_comb begin
      life_cfg.handle       = pkt_sa.handle;
      life_cfg.soft_bytes   = pkt_sa.soft_bytes;
      life_cfg.hard_bytes   = pkt_sa.hard_bytes;
      life_cfg.soft_packets = pkt_sa.soft_packets;
      life_cfg.hard_packets = pkt_sa.hard_packets;
    end

    esp_pkt_life #(.NumSa(NumSa)) u_pkt_life (
      .clk_i, .rst_ni,
      .ready_o (life_ready),
      .init_valid_i (life_init_valid), .init_ready_o (life_init_ready),
      .init_index_i (pkt_sa.index[IdxW-1:0]), .init_sa_i (pkt_sa.add), .init_tx_i (pkt_sa.tx),
      .init_cfg_i (life_cfg),
      .tx_valid_i (tx_life_valid), .tx_op_i (tx_life_op), .tx_index_i (tx_life_index),
      .tx_bytes_i (tx_life_bytes), .tx_ans_valid_o (tx_ans_valid), .tx_ans_pass_o (tx_ans_pass),
      .rx_valid_i (rx_life_valid), .rx_op_i (rx_life_op), .rx_index_i (rx_life_index),
      .rx_bytes_i (rx_life_bytes), .rx_ans_valid_o (rx_ans_valid), .rx_ans_pass_o (rx_ans_pass),
      .hx_valid_o (hx_valid), .hx_index_o (hx_index), .hx_expired_o (hx_expired),
      .snap_valid_i (snap_go), .snap_index_i (pkt_stats_index[IdxW-1:0]),
      .snap_busy_o (snap_busy), .snap_words_o (snap_words),
      .evt_ready_o (evt_valid), .evt_word0_o (evt_word0), .evt_word1_o (evt_word1),
      .evt_pop_i (evt_pop), .evt_drop_o (evt_drop)
    );

    assign pkt_stats_word = snap_zero_q ? '0 : snap_words;
  end else begin : gen_no_pkt_life
    logic unused_pkt;
    assign unused_pkt     = ^{pkt_stats_req, pkt_stats_index, evt_pop, pkt_sa_valid, pkt_sa,
                              tx_res_pkt, tx_res_index, tx_sw_ready, rx_init_ready,
                              tx_life_valid, tx_life_op, tx_life_index, tx_life_bytes,
                              rx_life_valid, rx_life_op, rx_life_index, rx_life_bytes};
    assign pkt_sa_ready   = 1'b1;
    assign tx_sw_valid    = 1'b0;
    assign tx_sw_sa       = '0;
    assign rx_init_valid  = 1'b0;
    assign hx_valid       = 1'b0;
    assign hx_index       = '0;
    assign hx_expired     = 1'b0;
    assign tx_ans_valid   = 1'b0;
    assign tx_ans_pass    = 1'b0;
    assign rx_ans_valid   = 1'b0;
    assign rx_ans_pass    = 1'b0;
    assign pkt_stats_busy = 1'b0;
    assign pkt_stats_word = '0;
    assign evt_valid      = 1'b0;
    assign evt_word0      = '0;
    assign evt_word1      = '0;
    assign evt_drop       = '0;
  end

  esp_tx #(.MaxFrame(MaxFrame), .PktOffload(PktOffload), .NumSa(NumSa)) u_tx (
    .clk_i, .rst_ni,
    .s_axis_tvalid_i (host_tx_tvalid_i), .s_axis_tready_o (host_tx_tready_o),
    .s_axis_tdata_i (host_tx_tdata_i), .s_axis_tkeep_i (host_tx_tkeep_i),
    .s_axis_tlast_i (host_tx_tlast_i), .s_axis_tuser_i (host_tx_tuser_i),
    .m_axis_tvalid_o (wire_tx_tvalid_o), .m_axis_tready_i (wire_tx_tready_i),
    .m_axis_tdata_o (wire_tx_tdata_o), .m_axis_tkeep_o (wire_tx_tkeep_o),
    .m_axis_tlast_o (wire_tx_tlast_o), .m_axis_tuser_o (wire_tx_tuser_o),
    .lkp_valid_o (tx_lkp_valid), .lkp_key_o (tx_lkp_key),
    .lkp_by_index_o (tx_lkp_by_index), .lkp_index_o (tx_lkp_index),
    .res_valid_i (tx_res_valid), .res_hit_i (tx_res_hit), .res_ctx_i (tx_res_ctx),
    .pkt_sw_valid_i (tx_sw_valid), .pkt_sw_ready_o (tx_sw_ready),
    .pkt_sw_index_i (pkt_sa.index[IdxW-1:0]), .pkt_sw_sa_i (tx_sw_sa),
    .pkt_hx_valid_i (hx_valid), .pkt_hx_index_i (hx_index), .pkt_hx_expired_i (hx_expired),
    .life_valid_o (tx_life_valid), .life_op_o (tx_life_op), .life_index_o (tx_life_index),
    .life_bytes_o (tx_life_bytes), .life_ans_valid_i (tx_ans_valid), .life_ans_pass_i (tx_ans_pass),
    .cnt_enc_in_o (enc_in), .cnt_enc_out_o (enc_out), .cnt_enc_bypass_o (enc_bypass),
    .cnt_enc_drop_o (enc_drop)
  );

  // The wire input never waits: frames queue here, or are dropped whole (dec_drop and
  // DEC_OVERFLOW_DROP_PACKETS) when the FIFO has no room for one.
  esp_rx_ingress #(.Depth(RxFifoBeats), .MaxFrame(MaxFrame)) u_rx_ingress (
    .clk_i, .rst_ni,
    .s_axis_tvalid_i (wire_rx_tvalid_i), .s_axis_tready_o (wire_rx_tready_o),
    .s_axis_tdata_i (wire_rx_tdata_i), .s_axis_tkeep_i (wire_rx_tkeep_i),
    .s_axis_tlast_i (wire_rx_tlast_i), .s_axis_tuser_i (wire_rx_tuser_i),
    .m_axis_tvalid_o (rx_in_valid), .m_axis_tready_i (rx_in_ready),
    .m_axis_tdata_o (rx_in_data), .m_axis_tkeep_o (rx_in_keep),
    .m_axis_tlast_o (rx_in_last), .m_axis_tuser_o (rx_in_user),
    .drop_o (dec_overflow)
  );

  esp_rx #(.MaxFrame(MaxFrame), .PktOffload(PktOffload), .NumSa(NumSa)) u_rx (
    .clk_i, .rst_ni,
    .s_axis_tvalid_i (rx_in_valid), .s_axis_tready_o (rx_in_ready),
    .s_axis_tdata_i (rx_in_data), .s_axis_tkeep_i (rx_in_keep),
    .s_axis_tlast_i (rx_in_last), .s_axis_tuser_i (rx_in_user),
    .m_axis_tvalid_o (host_rx_tvalid_o), .m_axis_tready_i (host_rx_tready_i),
    .m_axis_tdata_o (host_rx_tdata_o), .m_axis_tkeep_o (host_rx_tkeep_o),
    .m_axis_tlast_o (host_rx_tlast_o), .m_axis_tuser_o (host_rx_tuser_o),
    .lkp_valid_o (rx_lkp_valid), .lkp_key_o (rx_lkp_key),
    .res_valid_i (rx_res_valid), .res_hit_i (rx_res_hit), .res_ctx_i (rx_res_ctx),
    .res_pkt_i (rx_res_pkt), .res_index_i (rx_res_index),
    .pkt_init_valid_i (rx_init_valid), .pkt_init_ready_o (rx_init_ready),
    .pkt_init_idx_i (pkt_sa.index[IdxW-1:0]),
    .pkt_init_words_i (pkt_sa.replay_words[esp_rx_replay_pkg::WordsW-1:0]),
    .pkt_init_esn_i (pkt_sa.esn), .pkt_init_top_i (pkt_sa.seq), .pkt_init_tunnel_i (pkt_sa.tunnel),
    .life_valid_o (rx_life_valid), .life_op_o (rx_life_op), .life_index_o (rx_life_index),
    .life_bytes_o (rx_life_bytes), .life_ans_valid_i (rx_ans_valid), .life_ans_pass_i (rx_ans_pass),
    .no_trailer_i (no_trailer), .fwd_bad_frames_i (fwd_bad_frames),
    .cnt_dec_in_o (dec_in), .cnt_dec_out_o (dec_out), .cnt_dec_bypass_o (dec_bypass),
    .cnt_dec_drop_o (dec_drop), .cnt_dec_auth_fail_o (dec_auth_fail)
  );

  // Stream protocol checks on the four ports (simulation with assertions only).
  stream_check #(.DataW(146), .Name("host TX in")) u_check_host_tx (
    .clk_i, .rst_ni, .valid_i (host_tx_tvalid_i), .ready_i (host_tx_tready_o),
    .beat_i ({host_tx_tdata_i, host_tx_tkeep_i, host_tx_tlast_i, host_tx_tuser_i}));
  stream_check #(.DataW(146), .Name("wire TX out")) u_check_wire_tx (
    .clk_i, .rst_ni, .valid_i (wire_tx_tvalid_o), .ready_i (wire_tx_tready_i),
    .beat_i ({wire_tx_tdata_o, wire_tx_tkeep_o, wire_tx_tlast_o, wire_tx_tuser_o}));
  stream_check #(.DataW(146), .Name("wire RX in")) u_check_wire_rx (
    .clk_i, .rst_ni, .valid_i (wire_rx_tvalid_i), .ready_i (wire_rx_tready_o),
    .beat_i ({wire_rx_tdata_i, wire_rx_tkeep_i, wire_rx_tlast_i, wire_rx_tuser_i}));
  stream_check #(.DataW(146), .Name("RX ingress -> esp_rx")) u_check_rx_ingress (
    .clk_i, .rst_ni, .valid_i (rx_in_valid), .ready_i (rx_in_ready),
    .beat_i ({rx_in_data, rx_in_keep, rx_in_last, rx_in_user}));
  // A MAC's receive side cannot wait: the wire RX input takes a beat on every clock.
  ready_check #(.Name("wire RX in")) u_check_wire_rx_ready (
    .clk_i, .rst_ni, .ready_i (wire_rx_tready_o));
  stream_check #(.DataW(146), .Name("host RX out")) u_check_host_rx (
    .clk_i, .rst_ni, .valid_i (host_rx_tvalid_o), .ready_i (host_rx_tready_i),
    .beat_i ({host_rx_tdata_o, host_rx_tkeep_o, host_rx_tlast_o, host_rx_tuser_o}));

  // Frame accounting: one fate per frame, counters that add up (simulation with assertions
  // only).
  frame_count_check #(.InApart(PktOffload != 0), .Name("TX")) u_check_tx_frames (
    .clk_i, .rst_ni,
    .in_last_i  (host_tx_tvalid_i && host_tx_tready_o && host_tx_tlast_i),
    .out_last_i (wire_tx_tvalid_o && wire_tx_tready_i && wire_tx_tlast_o),
    .out_user_i (wire_tx_tuser_o), .rx_i (1'b0),
    .cnt_in_i (enc_in), .cnt_out_i (enc_out), .cnt_bypass_i (enc_bypass),
    .cnt_drop_i (enc_drop), .cnt_auth_i (1'b0), .cnt_refused_i (1'b0));
  // RX: up to a frame per beat of the ingress FIFO may be inside.
  frame_count_check #(.MaxInFlight(RxFifoBeats + 128), .Name("RX")) u_check_rx_frames (
    .clk_i, .rst_ni,
    .in_last_i  (wire_rx_tvalid_i && wire_rx_tready_o && wire_rx_tlast_i),
    .out_last_i (host_rx_tvalid_o && host_rx_tready_i && host_rx_tlast_o),
    .out_user_i (host_rx_tuser_o), .rx_i (1'b1),
    .cnt_in_i (dec_in), .cnt_out_i (dec_out), .cnt_bypass_i (dec_bypass),
    .cnt_drop_i (dec_drop), .cnt_auth_i (dec_auth_fail), .cnt_refused_i (dec_overflow));

endmodule
