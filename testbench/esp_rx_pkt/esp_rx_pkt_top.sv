// The test top of packet offload's RX datapath (testbench/esp_rx_pkt/): esp_rx with
// PktOffload and esp_pkt_life beside it, joined as the engine will join them (esp_rx's RX op
// port to the unit's RX side; the TX side idle). The harness drives the SA lookups, the
// replay windows' and the lifetimes' inits, and reads the unit's snapshot and event queue.
module esp_rx_pkt_top #(
  parameter int NumSa = 1024
) (
  input  logic                   clk_i,
  input  logic                   rst_ni,

  input  logic                   s_axis_tvalid_i,
  output logic                   s_axis_tready_o,
  input  logic [127:0]           s_axis_tdata_i,
  input  logic [15:0]            s_axis_tkeep_i,
  input  logic                   s_axis_tlast_i,
  input  logic                   s_axis_tuser_i,

  output logic                   m_axis_tvalid_o,
  input  logic                   m_axis_tready_i,
  output logic [127:0]           m_axis_tdata_o,
  output logic [15:0]            m_axis_tkeep_o,
  output logic                   m_axis_tlast_o,
  output logic                   m_axis_tuser_o,

  output logic                   lkp_valid_o,
  output sadb_pkg::sa_key_t      lkp_key_o,
  input  logic                   res_valid_i,
  input  logic                   res_hit_i,
  input  sadb_pkg::sa_ctx_t      res_ctx_i,
  input  logic                   res_pkt_i,
  input  logic [15:0]            res_index_i,

  input  logic                   no_trailer_i,
  input  logic                   fwd_bad_frames_i,

  output logic                   cnt_dec_in_o,
  output logic                   cnt_dec_out_o,
  output logic                   cnt_dec_bypass_o,
  output logic                   cnt_dec_drop_o,
  output logic                   cnt_dec_auth_fail_o,

  input  logic                   pkt_init_valid_i,
  output logic                   pkt_init_ready_o,
  input  logic [$clog2(NumSa)-1:0] pkt_init_idx_i,
  input  logic [5:0]             pkt_init_words_i,
  input  logic                   pkt_init_esn_i,
  input  logic [63:0]            pkt_init_top_i,
  input  logic                   pkt_init_tunnel_i,

  // esp_pkt_life's init, snapshot and events.
  output logic                   life_ready_o,
  input  logic                   life_init_valid_i,
  output logic                   life_init_ready_o,
  input  logic [$clog2(NumSa)-1:0] life_init_index_i,
  input  logic                   life_init_sa_i,
  input  logic [287:0]           life_init_cfg_i,  // esp_pkt_life_pkg::life_cfg_t
  input  logic                   snap_valid_i,
  input  logic [$clog2(NumSa)-1:0] snap_index_i,
  output logic                   snap_busy_o,
  output logic [319:0]           snap_words_o,
  output logic                   evt_ready_o,
  output logic [31:0]            evt_word0_o,
  output logic [31:0]            evt_word1_o,
  input  logic                   evt_pop_i,
  output logic [63:0]            evt_drop_o,

  // The RX op port, for the harness to see.
  output logic                   life_valid_o,
  output logic [1:0]             life_op_o
);

  logic                       life_v, ans_v, ans_p;
  esp_pkt_life_pkg::life_op_e life_op;
  logic [$clog2(NumSa)-1:0]   life_idx;
  logic [16:0]                life_bytes;

  esp_rx #(.PktOffload(1), .NumSa(NumSa)) u_rx (
    .clk_i, .rst_ni,
    .s_axis_tvalid_i, .s_axis_tready_o, .s_axis_tdata_i, .s_axis_tkeep_i, .s_axis_tlast_i,
    .s_axis_tuser_i,
    .m_axis_tvalid_o, .m_axis_tready_i, .m_axis_tdata_o, .m_axis_tkeep_o, .m_axis_tlast_o,
    .m_axis_tuser_o,
    .lkp_valid_o, .lkp_key_o, .res_valid_i, .res_hit_i, .res_ctx_i, .res_pkt_i, .res_index_i,
    .pkt_init_valid_i, .pkt_init_ready_o, .pkt_init_idx_i, .pkt_init_words_i, .pkt_init_esn_i,
    .pkt_init_top_i, .pkt_init_tunnel_i,
    .life_valid_o (life_v), .life_op_o (life_op), .life_index_o (life_idx),
    .life_bytes_o (life_bytes), .life_ans_valid_i (ans_v), .life_ans_pass_i (ans_p),
    .no_trailer_i, .fwd_bad_frames_i,
    .cnt_dec_in_o, .cnt_dec_out_o, .cnt_dec_bypass_o, .cnt_dec_drop_o, .cnt_dec_auth_fail_o
  );

  esp_pkt_life #(.NumSa(NumSa)) u_life (
    .clk_i, .rst_ni,
    .ready_o        (life_ready_o),
    .init_valid_i   (life_init_valid_i),
    .init_ready_o   (life_init_ready_o),
    .init_index_i   (life_init_index_i),
    .init_sa_i      (life_init_sa_i),
    .init_tx_i      (1'b0),
    .init_cfg_i     (life_init_cfg_i),
    .tx_valid_i     (1'b0),
    .tx_op_i        (esp_pkt_life_pkg::OpCheck),
    .tx_index_i     ('0),
    .tx_bytes_i     ('0),
    .tx_ans_valid_o (),
    .tx_ans_pass_o  (),
    .rx_valid_i     (life_v),
    .rx_op_i        (life_op),
    .rx_index_i     (life_idx),
    .rx_bytes_i     (life_bytes),
    .rx_ans_valid_o (ans_v),
    .rx_ans_pass_o  (ans_p),
    .hx_valid_o     (),
    .hx_index_o     (),
    .hx_expired_o   (),
    .snap_valid_i, .snap_index_i, .snap_busy_o, .snap_words_o,
    .evt_ready_o, .evt_word0_o, .evt_word1_o, .evt_pop_i, .evt_drop_o
  );

  assign life_valid_o = life_v;
  assign life_op_o    = life_op;

endmodule
