// The control plane of the IPsec offload engine, as one block for the engine top: the
// register block on the AXI4-Lite slave, the SA command mailbox, the command executor and
// the SA table with its TX and RX lookup ports, and the 14 hardware counters (contract
// section 4; the datapath pulses its nine counter inputs, one pulse = +1).
//
// Port naming: the register block's AXI4-Lite names (s_axil_*) with _i/_o suffixes, so
// s_axil_awvalid_i, s_axil_awready_o, ... Test benches drive them through
// sim/axil_bus.h, which expects exactly these names (and irq_o).
//
// Full packet offload (docs/packet_offload.md) is a build-time option, PktOffload. With 0
// the block is the Innova's: CAP_FLAGS.PKT_OFFLOAD reads 0, and the words only packet
// offload has (ipsec_regs_map_pkg::PktOffloadWords: CAP_PKT, PKT_STATS_*, EVT_*, EVT_DROP and
// command window words 37..51) answer SLVERR as unmapped addresses do. The register block
// still holds them; with PktOffload 0 nothing they hold reaches the engine and they read 0
// (every input constant 0, INTR_ENABLE.EVENT_READY held clear), so a refused access leaves
// no trace. With 1 they are the registers of packet sections P1, P5 and P6: the per-SA
// counters' snapshot and the event queue live in the packet SA unit; this block carries its
// requests out (pkt_stats_*_o, evt_pop_o) and its answers in (pkt_stats_word_i, evt_*_i).
// The command path takes ADD_SA_PKT (packet section P2: sa_cmd_exec checks it as the model
// does, the table marks the SA a packet SA and answers its index in response word 2), and
// offers each packet SA added or deleted to the packet units on pkt_sa_* before the command's
// response is posted. The lookup ports also answer the hit SA's mark and table index
// (*_res_pkt_o, *_res_index_o; 0 on a miss, and always 0 with PktOffload 0).
module ipsec_ctrl #(
  parameter int unsigned NumSa      = 1024,  // SA table entries, 1 .. 65535
  parameter int unsigned MaxFrame   = 9216,  // largest frame in bytes, reported in ENGINE_PARAMS
  parameter int unsigned PktOffload = 0      // 1: full packet offload (docs/packet_offload.md)
) (
  input  logic                 clk_i,
  input  logic                 rst_ni,

  // AXI4-Lite slave, 32-bit data, 4 KiB of registers.
  output logic                 s_axil_awready_o,
  input  logic                 s_axil_awvalid_i,
  input  logic [11:0]          s_axil_awaddr_i,
  input  logic [2:0]           s_axil_awprot_i,
  output logic                 s_axil_wready_o,
  input  logic                 s_axil_wvalid_i,
  input  logic [31:0]          s_axil_wdata_i,
  input  logic [3:0]           s_axil_wstrb_i,
  input  logic                 s_axil_bready_i,
  output logic                 s_axil_bvalid_o,
  output logic [1:0]           s_axil_bresp_o,
  output logic                 s_axil_arready_o,
  input  logic                 s_axil_arvalid_i,
  input  logic [11:0]          s_axil_araddr_i,
  input  logic [2:0]           s_axil_arprot_i,
  input  logic                 s_axil_rready_i,
  output logic                 s_axil_rvalid_o,
  output logic [31:0]          s_axil_rdata_o,
  output logic [1:0]           s_axil_rresp_o,

  // A command response is waiting and its interrupt is enabled.
  output logic                 irq_o,

  // SA lookups: one per clock on each port, result sadb_pkg::LookupLatency clocks later.
  // With packet offload the TX port finds crypto SAs by key and packet SAs by index (an
  // encapsulated frame's, tx_lkp_by_index_i), as sa_table describes.
  input  logic                 tx_lkp_valid_i,
  input  sadb_pkg::sa_key_t    tx_lkp_key_i,
  input  logic                 tx_lkp_by_index_i,
  input  logic [15:0]          tx_lkp_index_i,
  output logic                 tx_res_valid_o,
  output logic                 tx_res_hit_o,
  output sadb_pkg::sa_ctx_t    tx_res_ctx_o,
  output logic                 tx_res_pkt_o,    // with tx_res_valid_o: a packet SA's hit
  output logic [15:0]          tx_res_index_o,  // with tx_res_valid_o: the hit SA's index
  input  logic                 rx_lkp_valid_i,
  input  sadb_pkg::sa_key_t    rx_lkp_key_i,
  output logic                 rx_res_valid_o,
  output logic                 rx_res_hit_o,
  output sadb_pkg::sa_ctx_t    rx_res_ctx_o,
  output logic                 rx_res_pkt_o,
  output logic [15:0]          rx_res_index_o,

  // Datapath counter increments (contract section 4, counters 0 to 8).
  input  logic                 dec_in_i,
  input  logic                 dec_out_i,
  input  logic                 dec_bypass_i,
  input  logic                 enc_in_i,
  input  logic                 enc_out_i,
  input  logic                 enc_bypass_i,
  input  logic                 dec_drop_i,
  input  logic                 dec_auth_fail_i,
  input  logic                 enc_drop_i,
  // A wire RX frame dropped whole at the ingress FIFO: DEC_DROP_PACKETS (with dec_drop_i in
  // the same clock it adds 2) and DEC_OVERFLOW_DROP_PACKETS.
  input  logic                 dec_overflow_i,

  // Settings for the datapath.
  output logic                 no_trailer_o,      // RX no-trailer mode, granted by SET_CAP
  output logic                 fwd_bad_frames_o,  // CONTROL.FWD_BAD_FRAMES

  // Packet offload's per-SA counters (packet section P5), with PktOffload only (else the
  // request is 0 and the inputs unused). A PKT_STATS_INDEX write with byte lanes 0 and 1
  // (packet section P8) requests a snapshot of the SA at the index: one pulse, the clock
  // after the register block takes the write (the strobe is registered; the index is the
  // stored field from then on). The unit may be busy for some clocks after the request
  // (esp_pkt_life: SnapLatency - 1), then answers on pkt_stats_word_i, held until its next
  // snapshot: word i, as PKT_STATS_WORDi reads it, in bits 32*i +: 32. Reads wait meanwhile
  // (below), so a read that follows the index's write sees the new snapshot.
  output logic                 pkt_stats_req_o,
  output logic [15:0]          pkt_stats_index_o,
  input  logic                 pkt_stats_busy_i,
  input  logic [10*32-1:0]     pkt_stats_word_i,

  // Packet offload's event queue (packet section P6), with PktOffload only: its head while
  // evt_valid_i (word 0: kind in 7:0, SA index in 31:16; word 1: the SA's handle), a pop
  // pulse for each EVT_POP write of 1 (the unit ignores one while the queue is empty), and
  // the count of events the full queue lost (EVT_DROP reads it).
  input  logic                 evt_valid_i,
  input  logic [31:0]          evt_word0_i,
  input  logic [31:0]          evt_word1_i,
  output logic                 evt_pop_o,
  input  logic [63:0]          evt_drop_i,

  // Packet SAs added and deleted (packet sections P2, P8), with PktOffload only (else valid
  // is 0): after the table has inserted a packet SA (ADD_SA_PKT) or deleted one (DEL_SA,
  // DEL_SA_V2), the record (sadb_pkg::pkt_sa_cmd_t) is offered here and held until ready;
  // only then is the command's response posted. The units may hold ready low for as long as
  // a frame takes through them (hundreds of clocks): later commands wait meanwhile.
  output logic                 pkt_sa_valid_o,
  input  logic                 pkt_sa_ready_i,
  output sadb_pkg::pkt_sa_cmd_t pkt_sa_o
);

  // The packet-offload registers reach the engine, and the engine them, only with
  // PktOffload: a constant, so with 0 every term below that it gates is constant 0.
  localparam logic PktOn = PktOffload != 0;
  localparam logic [1023:0] PktWords = ipsec_regs_map_pkg::PktOffloadWords;
  localparam logic [1023:0] ReadableWords =
      PktOn ? ipsec_regs_map_pkg::ReadableWords : ipsec_regs_map_pkg::ReadableWords & ~PktWords;
  localparam logic [1023:0] WritableWords =
      PktOn ? ipsec_regs_map_pkg::WritableWords : ipsec_regs_map_pkg::WritableWords & ~PktWords;
  localparam logic [1023:0] HiddenWords = PktOn ? '0 : PktWords;
  // The command window, and the words of a response the mailbox stores.
  localparam int unsigned CmdWords = PktOn ? sadb_pkg::CmdWordsPkt : sadb_pkg::CmdWords;
  localparam int unsigned RspWords = PktOn ? 3 : 2;

  ipsec_regs_pkg::ipsec_regs__in_t  hwif_in;
  ipsec_regs_pkg::ipsec_regs__out_t hwif_out;

  // The AXI4-Lite front end registers each request before the generated block sees it
  // (rtl/regs/axil_regs_if.sv); the block's passthrough interface behind it.
  logic        cpuif_req, cpuif_req_is_wr, cpuif_stall_wr, cpuif_stall_rd;
  logic        pkt_hold_q;  // reads wait for a snapshot (below)
  logic        cpuif_rd_ack, cpuif_rd_err, cpuif_wr_ack, cpuif_wr_err;
  logic [11:0] cpuif_addr;
  logic [31:0] cpuif_wr_data, cpuif_wr_biten, cpuif_rd_data;

  axil_regs_if #(
    .AddrW         (12),
    .ReadableWords (ReadableWords),
    .WritableWords (WritableWords),
    .HiddenWords   (HiddenWords)
  ) u_axil (
    .clk_i                (clk_i),
    .rst_ni               (rst_ni),
    .s_axil_awready_o     (s_axil_awready_o),
    .s_axil_awvalid_i     (s_axil_awvalid_i),
    .s_axil_awaddr_i      (s_axil_awaddr_i),
    .s_axil_wready_o      (s_axil_wready_o),
    .s_axil_wvalid_i      (s_axil_wvalid_i),
    .s_axil_wdata_i       (s_axil_wdata_i),
    .s_axil_wstrb_i       (s_axil_wstrb_i),
    .s_axil_bready_i      (s_axil_bready_i),
    .s_axil_bvalid_o      (s_axil_bvalid_o),
    .s_axil_bresp_o       (s_axil_bresp_o),
    .s_axil_arready_o     (s_axil_arready_o),
    .s_axil_arvalid_i     (s_axil_arvalid_i),
    .s_axil_araddr_i      (s_axil_araddr_i),
    .s_axil_rready_i      (s_axil_rready_i),
    .s_axil_rvalid_o      (s_axil_rvalid_o),
    .s_axil_rdata_o       (s_axil_rdata_o),
    .s_axil_rresp_o       (s_axil_rresp_o),
    .cpuif_req_o          (cpuif_req),
    .cpuif_req_is_wr_o    (cpuif_req_is_wr),
    .cpuif_addr_o         (cpuif_addr),
    .cpuif_wr_data_o      (cpuif_wr_data),
    .cpuif_wr_biten_o     (cpuif_wr_biten),
    .cpuif_req_stall_wr_i (cpuif_stall_wr),
    .cpuif_req_stall_rd_i (cpuif_stall_rd || pkt_hold_q),
    .cpuif_rd_ack_i       (cpuif_rd_ack),
    .cpuif_rd_err_i       (cpuif_rd_err),
    .cpuif_rd_data_i      (cpuif_rd_data),
    .cpuif_wr_ack_i       (cpuif_wr_ack),
    .cpuif_wr_err_i       (cpuif_wr_err)
  );

  ipsec_regs u_regs (
    .clk                  (clk_i),
    .arst_n               (rst_ni),
    .s_cpuif_req          (cpuif_req && !(pkt_hold_q && !cpuif_req_is_wr)),
    .s_cpuif_req_is_wr    (cpuif_req_is_wr),
    .s_cpuif_addr         (cpuif_addr),
    .s_cpuif_wr_data      (cpuif_wr_data),
    .s_cpuif_wr_biten     (cpuif_wr_biten),
    .s_cpuif_req_stall_wr (cpuif_stall_wr),
    .s_cpuif_req_stall_rd (cpuif_stall_rd),
    .s_cpuif_rd_ack       (cpuif_rd_ack),
    .s_cpuif_rd_err       (cpuif_rd_err),
    .s_cpuif_rd_data      (cpuif_rd_data),
    .s_cpuif_wr_ack       (cpuif_wr_ack),
    .s_cpuif_wr_err       (cpuif_wr_err),
    .hwif_in              (hwif_in),
    .hwif_out             (hwif_out)
  );

  // ---------------------------------------------------------------------------------------
  // Command path: mailbox -> executor -> table
  // ---------------------------------------------------------------------------------------
  logic                         cmd_valid, cmd_done;
  logic [7:0]                   cmd_len;
  logic [CmdWords*32-1:0]       cmd_image;
  logic                         rsp_valid;
  logic [31:0]                  rsp_word0, rsp_word1, rsp_word2;
  logic [31:0]                  mbox_word0, mbox_word1, mbox_word2;
  logic                         rsp_ready, cmd_drop;

  cmd_mailbox #(
    .Words    (CmdWords),
    .Depth    (sadb_pkg::CmdQueueDepth),
    .RspWords (RspWords)
  ) u_mailbox (
    .clk_i       (clk_i),
    .rst_ni      (rst_ni),
    .window_i    (hwif_out.CMD_WINDOW),
    .window_o    (hwif_in.CMD_WINDOW),
    .doorbell_i  (hwif_out.CMD_DOORBELL),
    .rsp_pop_i   (hwif_out.RSP_POP),
    .status_o    (hwif_in.CMD_STATUS),
    .rsp_word0_o (mbox_word0),
    .rsp_word1_o (mbox_word1),
    .rsp_word2_o (mbox_word2),
    .rsp_ready_o (rsp_ready),
    .cmd_drop_o  (cmd_drop),
    .cmd_valid_o (cmd_valid),
    .cmd_len_o   (cmd_len),
    .cmd_image_o (cmd_image),
    .cmd_done_i  (cmd_done),
    .rsp_valid_i (rsp_valid),
    .rsp_word0_i (rsp_word0),
    .rsp_word1_i (rsp_word1),
    .rsp_word2_i (rsp_word2)
  );

  logic                  table_ready, op_req, op_ack;
  sadb_pkg::sa_op_e      op_kind;
  sadb_pkg::sa_key_t     op_key;
  sadb_pkg::sa_ctx_t     op_ctx;
  sadb_pkg::sa_status_e  op_status;
  logic                  op_pkt, op_ack_pkt;
  logic [15:0]           op_index;
  logic                  no_trailer;
  logic                  add_success, add_fail, del_success, del_fail;

  sa_cmd_exec #(.PktOffload(PktOffload)) u_exec (
    .clk_i         (clk_i),
    .rst_ni        (rst_ni),
    .cmd_valid_i   (cmd_valid),
    .cmd_len_i     (cmd_len),
    .cmd_image_i   (cmd_image),
    .cmd_done_o    (cmd_done),
    .rsp_valid_o   (rsp_valid),
    .rsp_word0_o   (rsp_word0),
    .rsp_word1_o   (rsp_word1),
    .rsp_word2_o   (rsp_word2),
    .table_ready_i (table_ready),
    .op_req_o      (op_req),
    .op_kind_o     (op_kind),
    .op_key_o      (op_key),
    .op_ctx_o      (op_ctx),
    .op_pkt_o      (op_pkt),
    .op_ack_i      (op_ack),
    .op_status_i   (op_status),
    .op_index_i    (op_index),
    .op_pkt_i      (op_ack_pkt),
    .pkt_sa_valid_o (pkt_sa_valid_o),
    .pkt_sa_ready_i (pkt_sa_ready_i),
    .pkt_sa_o      (pkt_sa_o),
    .no_trailer_o  (no_trailer),
    .add_success_o (add_success),
    .add_fail_o    (add_fail),
    .del_success_o (del_success),
    .del_fail_o    (del_fail)
  );

  sa_table #(.NumSa(NumSa), .PktOffload(PktOffload)) u_sa_table (
    .clk_i          (clk_i),
    .rst_ni         (rst_ni),
    .tx_lkp_valid_i (tx_lkp_valid_i),
    .tx_lkp_key_i   (tx_lkp_key_i),
    .tx_lkp_by_index_i (tx_lkp_by_index_i),
    .tx_lkp_index_i (tx_lkp_index_i),
    .tx_res_valid_o (tx_res_valid_o),
    .tx_res_hit_o   (tx_res_hit_o),
    .tx_res_ctx_o   (tx_res_ctx_o),
    .tx_res_pkt_o   (tx_res_pkt_o),
    .tx_res_index_o (tx_res_index_o),
    .rx_lkp_valid_i (rx_lkp_valid_i),
    .rx_lkp_key_i   (rx_lkp_key_i),
    .rx_res_valid_o (rx_res_valid_o),
    .rx_res_hit_o   (rx_res_hit_o),
    .rx_res_ctx_o   (rx_res_ctx_o),
    .rx_res_pkt_o   (rx_res_pkt_o),
    .rx_res_index_o (rx_res_index_o),
    .ready_o        (table_ready),
    .op_req_i       (op_req),
    .op_kind_i      (op_kind),
    .op_key_i       (op_key),
    .op_ctx_i       (op_ctx),
    .op_pkt_i       (op_pkt),
    .op_ack_o       (op_ack),
    .op_status_o    (op_status),
    .op_index_o     (op_index),
    .op_pkt_o       (op_ack_pkt)
  );

  // ---------------------------------------------------------------------------------------
  // Register block inputs
  // ---------------------------------------------------------------------------------------
  assign hwif_in.ENGINE_PARAMS.NUM_SA.next    = 16'(NumSa);
  assign hwif_in.ENGINE_PARAMS.MAX_FRAME.next = 16'(MaxFrame);
  assign hwif_in.CAP_SA.NUM_SA.next           = 16'(NumSa);
  assign hwif_in.CONTROL.NO_TRAILER.next      = no_trailer;
  assign hwif_in.INTR_STATUS.RSP_READY.next   = rsp_ready;
  assign hwif_in.RSP_WORD0.VALUE.next         = mbox_word0;
  assign hwif_in.RSP_WORD1.VALUE.next         = mbox_word1;
  // Responses carry a syndrome and an echo (contract section 3), and with packet offload
  // ADD_SA_PKT's index in word 2 (packet section P2; 0 from the mailbox without it).
  assign hwif_in.RSP_WORD2.VALUE.next         = mbox_word2;
  assign hwif_in.RSP_WORD3.VALUE.next         = '0;
  assign hwif_in.RSP_WORD4.VALUE.next         = '0;
  assign hwif_in.RSP_WORD5.VALUE.next         = '0;
  assign hwif_in.RSP_WORD6.VALUE.next         = '0;
  assign hwif_in.RSP_WORD7.VALUE.next         = '0;
  assign hwif_in.DEC_IN_PACKETS.COUNT.incr        = dec_in_i;
  assign hwif_in.DEC_OUT_PACKETS.COUNT.incr       = dec_out_i;
  assign hwif_in.DEC_BYPASS_PACKETS.COUNT.incr    = dec_bypass_i;
  assign hwif_in.ENC_IN_PACKETS.COUNT.incr        = enc_in_i;
  assign hwif_in.ENC_OUT_PACKETS.COUNT.incr       = enc_out_i;
  assign hwif_in.ENC_BYPASS_PACKETS.COUNT.incr    = enc_bypass_i;
  assign hwif_in.DEC_DROP_PACKETS.COUNT.incr      = dec_drop_i || dec_overflow_i;
  assign hwif_in.DEC_DROP_PACKETS.COUNT.incrvalue = 2'(dec_drop_i) + 2'(dec_overflow_i);
  assign hwif_in.DEC_AUTH_FAIL_PACKETS.COUNT.incr = dec_auth_fail_i;
  assign hwif_in.ENC_DROP_PACKETS.COUNT.incr      = enc_drop_i;
  assign hwif_in.ADD_SA_SUCCESS.COUNT.incr        = add_success;
  assign hwif_in.ADD_SA_FAIL.COUNT.incr           = add_fail;
  assign hwif_in.DEL_SA_SUCCESS.COUNT.incr        = del_success;
  assign hwif_in.DEL_SA_FAIL.COUNT.incr           = del_fail;
  assign hwif_in.CMD_DROP.COUNT.incr              = cmd_drop;
  assign hwif_in.DEC_OVERFLOW_DROP_PACKETS.COUNT.incr = dec_overflow_i;

  // ---------------------------------------------------------------------------------------
  // Packet offload (packet sections P1, P5, P6)
  // ---------------------------------------------------------------------------------------
  // P1: the capability, and the largest RX replay window (esp_rx_replay keeps 1,024 bits).
  assign hwif_in.CAP_FLAGS.PKT_OFFLOAD.next   = PktOn;
  assign hwif_in.CAP_PKT.MAX_REPLAY_BITS.next = PktOn ? 16'd1024 : 16'd0;
  // Without packet offload the enable bit is held clear (hwclr, over software writes), so it
  // reads 0 as the reserved bit it is there.
  assign hwif_in.INTR_ENABLE.EVENT_READY.hwclr = !PktOn;

  // P5: a snapshot request. The field strobes come from the block's address decode: they
  // are registered, and the index is read from the fields on the next clock, when they hold
  // the written value. Both lanes of the index must be written (packet section P8).
  // While the request is out and the unit busy with it, reads wait in the front end (the
  // block is not offered them: its request is held back, and the front end sees a read
  // stall): P5 has a read after the index's write see the new snapshot, and a master that
  // reads right after its write (a pipelined one can, a clock later) must not see the last
  // snapshot's words. The hold
  // is a register, as the block's own stalls are; writes go on.
  logic pkt_stats_req_q;
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      pkt_stats_req_q <= 1'b0;
      pkt_hold_q      <= 1'b0;
    end else begin
      pkt_stats_req_q <= PktOn && hwif_out.PKT_STATS_INDEX.INDEX_LO.swmod
                               && hwif_out.PKT_STATS_INDEX.INDEX_HI.swmod;
      pkt_hold_q      <= PktOn && ((hwif_out.PKT_STATS_INDEX.INDEX_LO.swmod
                                    && hwif_out.PKT_STATS_INDEX.INDEX_HI.swmod)
                                   || (pkt_hold_q && (pkt_stats_req_q || pkt_stats_busy_i)));
    end
  end
  assign pkt_stats_req_o   = pkt_stats_req_q;
  // Without packet offload the fields' flops have no reader left and go.
  assign pkt_stats_index_o = PktOn ? {hwif_out.PKT_STATS_INDEX.INDEX_HI.value,
                                      hwif_out.PKT_STATS_INDEX.INDEX_LO.value} : '0;

  logic [10*32-1:0] pkt_stats_word;
  assign pkt_stats_word = PktOn ? pkt_stats_word_i : '0;
  assign hwif_in.PKT_STATS_WORD0.VALUE.next = pkt_stats_word[0 +: 32];
  assign hwif_in.PKT_STATS_WORD1.VALUE.next = pkt_stats_word[32 +: 32];
  assign hwif_in.PKT_STATS_WORD2.VALUE.next = pkt_stats_word[64 +: 32];
  assign hwif_in.PKT_STATS_WORD3.VALUE.next = pkt_stats_word[96 +: 32];
  assign hwif_in.PKT_STATS_WORD4.VALUE.next = pkt_stats_word[128 +: 32];
  assign hwif_in.PKT_STATS_WORD5.VALUE.next = pkt_stats_word[160 +: 32];
  assign hwif_in.PKT_STATS_WORD6.VALUE.next = pkt_stats_word[192 +: 32];
  assign hwif_in.PKT_STATS_WORD7.VALUE.next = pkt_stats_word[224 +: 32];
  assign hwif_in.PKT_STATS_WORD8.VALUE.next = pkt_stats_word[256 +: 32];
  assign hwif_in.PKT_STATS_WORD9.VALUE.next = pkt_stats_word[288 +: 32];

  // P6: the queue's head reads 0 while the queue is empty (packet section P8).
  logic evt_valid;
  assign evt_valid = PktOn && evt_valid_i;
  assign hwif_in.EVT_WORD0.KIND.next   = evt_valid ? evt_word0_i[7:0]   : '0;
  assign hwif_in.EVT_WORD0.INDEX.next  = evt_valid ? evt_word0_i[31:16] : '0;
  assign hwif_in.EVT_WORD1.HANDLE.next = evt_valid ? evt_word1_i        : '0;
  assign hwif_in.INTR_STATUS.EVENT_READY.next = evt_valid;
  assign hwif_in.EVT_DROP.COUNT.next   = PktOn ? evt_drop_i : '0;
  // POP is a singlepulse field: one clock for a write of 1 with lane 0.
  assign evt_pop_o = PktOn && hwif_out.EVT_POP.POP.value;

  logic unused_pkt;
  assign unused_pkt = ^{evt_word0_i[15:8]};

  assign irq_o            = (rsp_ready && hwif_out.INTR_ENABLE.RSP_READY.value) ||
                            (evt_valid && hwif_out.INTR_ENABLE.EVENT_READY.value);
  assign no_trailer_o     = no_trailer;
  assign fwd_bad_frames_o = hwif_out.CONTROL.FWD_BAD_FRAMES.value;

endmodule
