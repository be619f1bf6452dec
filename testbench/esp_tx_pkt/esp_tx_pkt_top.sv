// The test top of testbench/esp_tx_pkt: esp_tx built with packet offload (PktOffload = 1)
// and the lifetime unit it asks (esp_pkt_life), joined as the engine will join them: the
// TX op port and its answers, the hard-expired marks back to the encapsulator. The harness
// serves the SA lookups, writes the encapsulator's state and the unit's init (what the
// command executor will do at ADD_SA_PKT), and reads the unit's snapshots and events. The
// unit's RX op port is idle.
module esp_tx_pkt_top #(
  parameter int NumSa    = 1024,
  parameter int MaxFrame = 9216
) (
  input  logic                         clk_i,
  input  logic                         rst_ni,

  input  logic                         s_axis_tvalid_i,
  output logic                         s_axis_tready_o,
  input  logic [127:0]                 s_axis_tdata_i,
  input  logic [15:0]                  s_axis_tkeep_i,
  input  logic                         s_axis_tlast_i,
  input  logic                         s_axis_tuser_i,

  output logic                         m_axis_tvalid_o,
  input  logic                         m_axis_tready_i,
  output logic [127:0]                 m_axis_tdata_o,
  output logic [15:0]                  m_axis_tkeep_o,
  output logic                         m_axis_tlast_o,
  output logic                         m_axis_tuser_o,

  output logic                         lkp_valid_o,
  output sadb_pkg::sa_key_t            lkp_key_o,
  output logic                         lkp_by_index_o,
  output logic [15:0]                  lkp_index_o,
  input  logic                         res_valid_i,
  input  logic                         res_hit_i,
  input  sadb_pkg::sa_ctx_t            res_ctx_i,

  output logic                         cnt_enc_in_o,
  output logic                         cnt_enc_out_o,
  output logic                         cnt_enc_bypass_o,
  output logic                         cnt_enc_drop_o,

  // The encapsulator's state port.
  input  logic                         sw_valid_i,
  output logic                         sw_ready_o,
  input  logic [$clog2(NumSa)-1:0]     sw_index_i,
  input  esp_pkg::tx_pkt_sa_t          sw_sa_i,

  // The lifetime unit: its clear after reset, init, snapshot and event queue.
  output logic                         life_ready_o,
  input  logic                         init_valid_i,
  output logic                         init_ready_o,
  input  logic [$clog2(NumSa)-1:0]     init_index_i,
  input  logic                         init_sa_i,
  input  logic                         init_tx_i,
  input  esp_pkt_life_pkg::life_cfg_t  init_cfg_i,
  input  logic                         snap_valid_i,
  input  logic [$clog2(NumSa)-1:0]     snap_index_i,
  output logic                         snap_busy_o,
  output logic [319:0]                 snap_words_o,
  output logic                         evt_ready_o,
  output logic [31:0]                  evt_word0_o,
  output logic [31:0]                  evt_word1_o,
  input  logic                         evt_pop_i,
  output logic [63:0]                  evt_drop_o
);

  localparam int IdxW = $clog2(NumSa);

  logic                       life_valid, life_ans_valid, life_ans_pass;
  esp_pkt_life_pkg::life_op_e life_op;
  logic [IdxW-1:0]            life_index;
  logic [16:0]                life_bytes;
  logic                       hx_valid, hx_expired;
  logic [IdxW-1:0]            hx_index;

  esp_tx #(.MaxFrame(MaxFrame), .PktOffload(1), .NumSa(NumSa)) u_tx (
    .clk_i, .rst_ni,
    .s_axis_tvalid_i, .s_axis_tready_o, .s_axis_tdata_i, .s_axis_tkeep_i, .s_axis_tlast_i,
    .s_axis_tuser_i,
    .m_axis_tvalid_o, .m_axis_tready_i, .m_axis_tdata_o, .m_axis_tkeep_o, .m_axis_tlast_o,
    .m_axis_tuser_o,
    .lkp_valid_o, .lkp_key_o, .lkp_by_index_o, .lkp_index_o, .res_valid_i, .res_hit_i, .res_ctx_i,
    .pkt_sw_valid_i (sw_valid_i), .pkt_sw_ready_o (sw_ready_o), .pkt_sw_index_i (sw_index_i),
    .pkt_sw_sa_i (sw_sa_i),
    .pkt_hx_valid_i (hx_valid), .pkt_hx_index_i (hx_index), .pkt_hx_expired_i (hx_expired),
    .life_valid_o (life_valid), .life_op_o (life_op), .life_index_o (life_index),
    .life_bytes_o (life_bytes), .life_ans_valid_i (life_ans_valid),
    .life_ans_pass_i (life_ans_pass),
    .cnt_enc_in_o, .cnt_enc_out_o, .cnt_enc_bypass_o, .cnt_enc_drop_o
  );

  esp_pkt_life #(.NumSa(NumSa)) u_life (
    .clk_i, .rst_ni, .ready_o (life_ready_o),
    .init_valid_i, .init_ready_o, .init_index_i, .init_sa_i, .init_tx_i, .init_cfg_i,
    .tx_valid_i (life_valid), .tx_op_i (life_op), .tx_index_i (life_index),
    .tx_bytes_i (life_bytes), .tx_ans_valid_o (life_ans_valid), .tx_ans_pass_o (life_ans_pass),
    .rx_valid_i (1'b0), .rx_op_i (esp_pkt_life_pkg::OpCheck), .rx_index_i ('0),
    .rx_bytes_i ('0), .rx_ans_valid_o (), .rx_ans_pass_o (),
    .hx_valid_o (hx_valid), .hx_index_o (hx_index), .hx_expired_o (hx_expired),
    .snap_valid_i, .snap_index_i, .snap_busy_o, .snap_words_o,
    .evt_ready_o, .evt_word0_o, .evt_word1_o, .evt_pop_i, .evt_drop_o
  );

endmodule
