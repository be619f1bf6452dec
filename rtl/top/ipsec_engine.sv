// The inline IPsec ESP offload engine: the FPGA between the NIC and the wire
// (docs/architecture.md). One clock, asynchronous active-low reset.
//   host TX in  -> esp_tx (encrypt, contract section 6) -> wire TX out
//   wire RX in  -> esp_rx_ingress (frame FIFO, never back-pressured; a frame without room is
//                  dropped whole) -> esp_rx (decrypt, contract section 7) -> host RX out
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
  // commands, and the per-SA counters and event queue (esp_pkt_life). The datapath's packet
  // stages are not in the engine yet.
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
  logic         pkt_stats_req, pkt_stats_busy, evt_pop, evt_valid;
  logic [15:0]  pkt_stats_index;
  logic [319:0] pkt_stats_word;
  logic [31:0]  evt_word0, evt_word1;
  logic [63:0]  evt_drop;

  ipsec_ctrl #(.NumSa(NumSa), .MaxFrame(MaxFrame), .PktOffload(PktOffload)) u_ctrl (
    .clk_i, .rst_ni,
    .s_axil_awready_o, .s_axil_awvalid_i, .s_axil_awaddr_i, .s_axil_awprot_i,
    .s_axil_wready_o, .s_axil_wvalid_i, .s_axil_wdata_i, .s_axil_wstrb_i,
    .s_axil_bready_i, .s_axil_bvalid_o, .s_axil_bresp_o,
    .s_axil_arready_o, .s_axil_arvalid_i, .s_axil_araddr_i, .s_axil_arprot_i,
    .s_axil_rready_i, .s_axil_rvalid_o, .s_axil_rdata_o, .s_axil_rresp_o,
    .irq_o,
    .tx_lkp_valid_i (tx_lkp_valid), .tx_lkp_key_i (tx_lkp_key),
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
    // The packet SA records have no unit to reach yet (esp_pkt_life's init port is left
    // idle below): every record is taken at once; the lookups' packet mark and index have
    // no reader.
    .tx_res_pkt_o (), .tx_res_index_o (), .rx_res_pkt_o (), .rx_res_index_o (),
    .pkt_sa_valid_o (), .pkt_sa_ready_i (1'b1), .pkt_sa_o ()
  );

  if (PktOffload != 0) begin : gen_pkt_life
    localparam int unsigned IdxW = $clog2(NumSa);

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

    // No SA command reaches the unit yet, nor a frame (the datapath's packet stages are not
    // joined): every index holds no packet SA, so every snapshot is zeros and no event is
    // raised; the register side is wired as it will stay.
    logic unused_tx_ans, unused_rx_ans, unused_init_ready;
    logic unused_hx_valid, unused_hx_expired;
    logic [IdxW-1:0] unused_hx_index;

    esp_pkt_life #(.NumSa(NumSa)) u_pkt_life (
      .clk_i, .rst_ni,
      .ready_o (life_ready),
      .init_valid_i (1'b0), .init_ready_o (unused_init_ready), .init_index_i ('0),
      .init_sa_i (1'b0), .init_tx_i (1'b0), .init_cfg_i ('0),
      .tx_valid_i (1'b0), .tx_op_i (esp_pkt_life_pkg::OpCheck), .tx_index_i ('0),
      .tx_bytes_i ('0), .tx_ans_valid_o (unused_tx_ans), .tx_ans_pass_o (),
      .rx_valid_i (1'b0), .rx_op_i (esp_pkt_life_pkg::OpCheck), .rx_index_i ('0),
      .rx_bytes_i ('0), .rx_ans_valid_o (unused_rx_ans), .rx_ans_pass_o (),
      .hx_valid_o (unused_hx_valid), .hx_index_o (unused_hx_index),
      .hx_expired_o (unused_hx_expired),
      .snap_valid_i (snap_go), .snap_index_i (pkt_stats_index[IdxW-1:0]),
      .snap_busy_o (snap_busy), .snap_words_o (snap_words),
      .evt_ready_o (evt_valid), .evt_word0_o (evt_word0), .evt_word1_o (evt_word1),
      .evt_pop_i (evt_pop), .evt_drop_o (evt_drop)
    );

    assign pkt_stats_word = snap_zero_q ? '0 : snap_words;
  end else begin : gen_no_pkt_life
    logic unused_pkt;
    assign unused_pkt     = ^{pkt_stats_req, pkt_stats_index, evt_pop};
    assign pkt_stats_busy = 1'b0;
    assign pkt_stats_word = '0;
    assign evt_valid      = 1'b0;
    assign evt_word0      = '0;
    assign evt_word1      = '0;
    assign evt_drop       = '0;
  end

  esp_tx #(.MaxFrame(MaxFrame)) u_tx (
    .clk_i, .rst_ni,
    .s_axis_tvalid_i (host_tx_tvalid_i), .s_axis_tready_o (host_tx_tready_o),
    .s_axis_tdata_i (host_tx_tdata_i), .s_axis_tkeep_i (host_tx_tkeep_i),
    .s_axis_tlast_i (host_tx_tlast_i), .s_axis_tuser_i (host_tx_tuser_i),
    .m_axis_tvalid_o (wire_tx_tvalid_o), .m_axis_tready_i (wire_tx_tready_i),
    .m_axis_tdata_o (wire_tx_tdata_o), .m_axis_tkeep_o (wire_tx_tkeep_o),
    .m_axis_tlast_o (wire_tx_tlast_o), .m_axis_tuser_o (wire_tx_tuser_o),
    .lkp_valid_o (tx_lkp_valid), .lkp_key_o (tx_lkp_key),
    .res_valid_i (tx_res_valid), .res_hit_i (tx_res_hit), .res_ctx_i (tx_res_ctx),
    // Packet offload's TX stages (esp_tx's PktOffload) are not joined to the engine yet.
    .pkt_sw_valid_i (1'b0), .pkt_sw_ready_o (), .pkt_sw_index_i ('0), .pkt_sw_sa_i ('0),
    .pkt_hx_valid_i (1'b0), .pkt_hx_index_i ('0), .pkt_hx_expired_i (1'b0),
    .life_valid_o (), .life_op_o (), .life_index_o (), .life_bytes_o (),
    .life_ans_valid_i (1'b0), .life_ans_pass_i (1'b0),
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

  esp_rx #(.MaxFrame(MaxFrame)) u_rx (
    .clk_i, .rst_ni,
    .s_axis_tvalid_i (rx_in_valid), .s_axis_tready_o (rx_in_ready),
    .s_axis_tdata_i (rx_in_data), .s_axis_tkeep_i (rx_in_keep),
    .s_axis_tlast_i (rx_in_last), .s_axis_tuser_i (rx_in_user),
    .m_axis_tvalid_o (host_rx_tvalid_o), .m_axis_tready_i (host_rx_tready_i),
    .m_axis_tdata_o (host_rx_tdata_o), .m_axis_tkeep_o (host_rx_tkeep_o),
    .m_axis_tlast_o (host_rx_tlast_o), .m_axis_tuser_o (host_rx_tuser_o),
    .lkp_valid_o (rx_lkp_valid), .lkp_key_o (rx_lkp_key),
    .res_valid_i (rx_res_valid), .res_hit_i (rx_res_hit), .res_ctx_i (rx_res_ctx),
    // Packet offload's RX ports (esp_rx's PktOffload, not yet set here): tied off until the
    // SA table's packet marks, ADD_SA_PKT's init and esp_pkt_life are joined to them.
    .res_pkt_i (1'b0), .res_index_i (16'd0),
    .pkt_init_valid_i (1'b0), .pkt_init_ready_o (), .pkt_init_idx_i ('0),
    .pkt_init_words_i ('0), .pkt_init_esn_i (1'b0), .pkt_init_top_i (64'd0),
    .pkt_init_tunnel_i (1'b0),
    .life_valid_o (), .life_op_o (), .life_index_o (), .life_bytes_o (),
    .life_ans_valid_i (1'b0), .life_ans_pass_i (1'b0),
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
  frame_count_check #(.Name("TX")) u_check_tx_frames (
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
