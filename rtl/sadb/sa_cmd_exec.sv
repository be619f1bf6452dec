// Executes the SA commands of contract section 3, one at a time and in order: decodes the
// image the mailbox holds, checks it, runs the table operation, and posts exactly one
// response per command.
//
// Checks (any failure answers ILLEGAL_REQUEST and changes nothing):
// - the length written to the doorbell matches the opcode: 132 (ADD_SA, DEL_SA),
//   148 (ADD_SA_V2, DEL_SA_V2, MOD_SA_V2), 32 (SET_CAP);
// - ADD_SA, ADD_SA_V2, MOD_SA_V2 (full SA images): enc_mode 1 or 3; flags SA_VALID, SPI_EN
//   and IP_ESP set; ESN_EN only in a V2 command;
// - an unknown opcode.
// DEL_SA(_V2) only needs the match key, so only its length is checked. Duplicate key, full
// table (or full index buckets) and an unknown SA answer SADB_ISSUE.
//
// Response word 0 is the syndrome. Word 1 echoes the image's sw_sa_handle bytes (0 when
// the length does not reach them); for SET_CAP it is the granted flags (0 if refused).
// SET_CAP grants requested & supported (NO_TRAILER only) and sets CONTROL.NO_TRAILER to
// the granted bit, so a SET_CAP without NO_TRAILER turns it off.
//
// Counters (contract section 4): ADD_SA and ADD_SA_V2 count in ipsec_add_sa_success or
// ipsec_add_sa_fail (whatever the syndrome), DEL_SA and DEL_SA_V2 in ipsec_del_sa_success
// or _fail. MOD_SA_V2 re-installs the ESN state of an SA, and the contract has no modify
// counter: it counts as an add, success or failure. SET_CAP and unknown opcodes count in
// neither.
//
// The key and context go to the table straight from the image, which the mailbox holds
// until the command is done: no copy of key material is kept here.
//
// Packet offload (PktOffload 1, docs/packet_offload.md, packet sections P2 and P8); with 0
// none of this exists and opcode 6 is an unknown opcode, as on the Innova:
// - ADD_SA_PKT (opcode 6, length 208; the image is 208 bytes) is checked as the reference
//   model checks it (sim/model/ctrl_model.cpp, add_sa_pkt): the V2 image's checks, then the
//   reserved bytes, mode, replay_words (at most 32; 0 on TX; not 0 on an RX SA with ESN),
//   seq (no high half without ESN; not 0 on TX), soft limits not above hard ones, the tunnel
//   bytes 0xC0..0xC7 zero unless a TX tunnel SA, the tunnel flags' bits 7:2 and the flow
//   label's bits 31:20 zero; any failure is ILLEGAL_REQUEST before the table is asked, as in
//   the model. Then the table inserts it as ADD_SA_V2 (SADB_ISSUE on a duplicate, a full
//   table or full buckets) with the packet mark, ESN_EN from the flags, ESN_OVERLAP and the
//   ESN high bits 0 (seq carries them). It counts as an ADD; response word 2 is the SA's
//   table index on success, 0 otherwise (and for every other command).
// - MOD_SA_V2 of a packet SA is ILLEGAL_REQUEST (the table answers SaPacketSa, changing
//   nothing) after the image checks and the lookup: a bad image is ILLEGAL_REQUEST and an
//   unknown key SADB_ISSUE first, as in the model. It still counts in add_sa_fail.
// - After the table has inserted a packet SA, or deleted one (DEL_SA or DEL_SA_V2 of an SA
//   the table says was a packet SA), the executor offers the packet units the record
//   (pkt_sa_valid_o, sadb_pkg::pkt_sa_cmd_t, fields straight from the image the mailbox
//   still holds) and waits for pkt_sa_ready_i before it posts the response, so a driver
//   that sees the response finds the units holding the new state. The units' ready may
//   stay low for hundreds of clocks (a frame in flight through them); commands behind
//   wait, lookups and the datapath do not. On a delete only add (0), index and tx carry
//   anything; the other fields are 0.
module sa_cmd_exec #(
  parameter int unsigned PktOffload = 0  // 1: ADD_SA_PKT and the packet SA port (above)
) (
  input  logic                          clk_i,
  input  logic                          rst_ni,

  // Mailbox.
  input  logic                          cmd_valid_i,
  input  logic [7:0]                    cmd_len_i,
  // Image byte 0 in the top bits: 148 bytes, or 208 with PktOffload.
  input  logic [(PktOffload != 0 ? sadb_pkg::CmdBitsPkt : sadb_pkg::CmdBits)-1:0] cmd_image_i,
  output logic                          cmd_done_o,
  output logic                          rsp_valid_o,
  output logic [31:0]                   rsp_word0_o,
  output logic [31:0]                   rsp_word1_o,
  output logic [31:0]                   rsp_word2_o,   // PktOffload: ADD_SA_PKT's index; else 0

  // SA table.
  input  logic                          table_ready_i,
  output logic                          op_req_o,
  output sadb_pkg::sa_op_e              op_kind_o,
  output sadb_pkg::sa_key_t             op_key_o,
  output sadb_pkg::sa_ctx_t             op_ctx_o,
  output logic                          op_pkt_o,      // insert: a packet SA
  input  logic                          op_ack_i,
  input  sadb_pkg::sa_status_e          op_status_i,
  input  logic [15:0]                   op_index_i,    // PktOffload: with the ack
  input  logic                          op_pkt_i,

  // Packet units (PktOffload; else valid is 0 and ready unused).
  output logic                          pkt_sa_valid_o,
  input  logic                          pkt_sa_ready_i,
  output sadb_pkg::pkt_sa_cmd_t         pkt_sa_o,

  // Results.
  output logic                          no_trailer_o,   // CONTROL.NO_TRAILER
  output logic                          add_success_o,  // counter increments
  output logic                          add_fail_o,
  output logic                          del_success_o,
  output logic                          del_fail_o
);

  localparam logic        PktOn = PktOffload != 0;
  localparam int unsigned ImgW  = PktOn ? sadb_pkg::CmdBitsPkt : sadb_pkg::CmdBits;
  localparam logic [7:0] LenPkt    = 8'(sadb_pkg::CmdLenPkt);
  localparam logic [7:0] LenV1     = 8'(sadb_pkg::CmdLenV1);
  localparam logic [7:0] LenV2     = 8'(sadb_pkg::CmdLenV2);
  localparam logic [7:0] LenSetCap = 8'(sadb_pkg::CmdLenSetCap);
  localparam logic [7:0] LenHandle = 8'(sadb_pkg::OffHandle + 4);  // shortest image with a handle

  // ---------------------------------------------------------------------------------------
  // Image fields: byte `off` is cmd_image_i[ImgW-1-8*off -: 8].
  // ---------------------------------------------------------------------------------------
  logic [31:0]  opcode, salt, spi, handle, esn, cap_flags;
  logic [255:0] key_enc;
  logic [127:0] sip, dip;
  logic [7:0]   enc_mode, flags;

  assign opcode    = cmd_image_i[ImgW-1-8*sadb_pkg::OffOpcode   -: 32];
  assign key_enc   = cmd_image_i[ImgW-1-8*sadb_pkg::OffKeyEnc   -: 256];
  assign sip       = cmd_image_i[ImgW-1-8*sadb_pkg::OffSip      -: 128];
  assign dip       = cmd_image_i[ImgW-1-8*sadb_pkg::OffDip      -: 128];
  assign salt      = cmd_image_i[ImgW-1-8*sadb_pkg::OffSalt     -: 32];
  assign spi       = cmd_image_i[ImgW-1-8*sadb_pkg::OffSpi      -: 32];
  assign handle    = cmd_image_i[ImgW-1-8*sadb_pkg::OffHandle   -: 32];
  assign enc_mode  = cmd_image_i[ImgW-1-8*sadb_pkg::OffEncMode  -: 8];
  assign flags     = cmd_image_i[ImgW-1-8*sadb_pkg::OffFlags    -: 8];
  assign esn       = cmd_image_i[ImgW-1-8*sadb_pkg::OffEsn      -: 32];
  assign cap_flags = cmd_image_i[ImgW-1-8*sadb_pkg::OffCapFlags -: 32];

  // ---------------------------------------------------------------------------------------
  // Decode, in two clocks (each at most a few LUTs deep, docs/architecture.md):
  //  - ExIdle: each field compared on its own (the opcode's upper 29 bits against zero, as
  //    every opcode has them; an 8-bit length or mode equality; a flag bit), registered on
  //    every clock the executor is idle. The
  //    mailbox holds the image and length stable from cmd_valid_i to cmd_done_o, so the
  //    compares registered on the clock a command is taken are its own.
  //  - ExCheck: those bits joined into the verdict (illegal, SET_CAP, the counter) and the
  //    next state.
  // The table operation reads the key and context straight from the image (held by the
  // mailbox), with the registered flags choosing IPv4/IPv6 and the key size.
  // ---------------------------------------------------------------------------------------
  typedef struct packed {
    logic       op_hi_zero;                         // opcode[31:3] == 0
    logic [2:0] op_lo;                              // opcode[2:0]
    logic len_v1, len_v2, len_set_cap, len_handle;  // the doorbell's length
    logic mode_ok, key256;                          // enc_mode 1 or 3; 3
    logic flags_ok, esn_flag, esn_overlap, ipv6, dir_tx;
    logic [31:0] granted;                           // SET_CAP: requested & supported
  } fields_t;

  // ADD_SA_PKT's checks (PktOffload), each a compare of a few image bytes, some with the
  // flags bits they depend on (at most 3 LUT levels: the widest is a zero test of 88 bits).
  typedef struct packed {
    logic len_pkt;                      // the doorbell's length is 208
    logic rsvd_zero;                    // 0x96, 0x97, 0xC3, 0xC8..0xCF all 0
    logic mode_ok;                      // mode 0 or 1
    logic rw_bad;                       // replay_words > 32, or != 0 on TX, or 0 on RX with ESN
    logic seq_bad;                      // high half without ESN, or 0 on TX
    logic sb_gt_hi, sb_eq_hi, sb_gt_lo; // soft_bytes against hard_bytes, by halves
    logic sp_gt_hi, sp_eq_hi, sp_gt_lo; // soft_packets against hard_packets
    logic tun_zero;                     // 0xC0..0xC2, 0xC4..0xC7 all 0
    logic tun_fields_ok;                // tunnel flags' 7:2 and flow label's 31:20 are 0
  } pkt_fields_t;

  fields_t     f_d, f_q;
  pkt_fields_t pf_d, pf_q;

  always_comb begin
    f_d.op_hi_zero  = opcode[31:3] == '0;
    f_d.op_lo       = opcode[2:0];
    f_d.len_v1      = cmd_len_i == LenV1;
    f_d.len_v2      = cmd_len_i == LenV2;
    f_d.len_set_cap = cmd_len_i == LenSetCap;
    f_d.len_handle  = cmd_len_i >= LenHandle;
    f_d.key256      = enc_mode == sadb_pkg::EncModeAesGcm256;
    f_d.mode_ok     = enc_mode == sadb_pkg::EncModeAesGcm128 || f_d.key256;
    f_d.flags_ok    = (flags & sadb_pkg::FlagsRequired) == sadb_pkg::FlagsRequired;
    f_d.esn_flag    = (flags & sadb_pkg::FlagEsnEn) != '0;
    f_d.esn_overlap = (flags & sadb_pkg::FlagEsnOverlap) != '0;
    f_d.ipv6        = (flags & sadb_pkg::FlagIpv6) != '0;
    f_d.dir_tx      = (flags & sadb_pkg::FlagDirSx) != '0;
    f_d.granted     = cap_flags & sadb_pkg::CapSupported;
  end

  logic        add_sa, add_sa_v2, del_sa, del_sa_v2, mod_sa_v2, set_cap;  // one-hot
  logic        add_pkt;  // with PktOffload only
  logic        pkt_bad;  // ADD_SA_PKT's own checks failed
  logic        tunnel;   // ADD_SA_PKT: mode 1 (mode_ok checked apart)
  logic        sa_image_ok, v2, esn_en, illegal;
  logic [31:0] echo;
  sadb_pkg::cmd_count_e count;

  // Every opcode is below 8 (sadb_pkg): the upper bits zero and the low three name it.
  if (sadb_pkg::OpAddSa > 7 || sadb_pkg::OpAddSaV2 > 7 || sadb_pkg::OpDelSa > 7
      || sadb_pkg::OpDelSaV2 > 7 || sadb_pkg::OpModSaV2 > 7 || sadb_pkg::OpSetCap > 7) begin : gen_opcode_check
    $error("sa_cmd_exec decodes opcodes below 8 only");
  end
  assign add_sa      = f_q.op_hi_zero && f_q.op_lo == sadb_pkg::OpAddSa[2:0];
  assign add_sa_v2   = f_q.op_hi_zero && f_q.op_lo == sadb_pkg::OpAddSaV2[2:0];
  assign del_sa      = f_q.op_hi_zero && f_q.op_lo == sadb_pkg::OpDelSa[2:0];
  assign del_sa_v2   = f_q.op_hi_zero && f_q.op_lo == sadb_pkg::OpDelSaV2[2:0];
  assign mod_sa_v2   = f_q.op_hi_zero && f_q.op_lo == sadb_pkg::OpModSaV2[2:0];
  assign set_cap     = f_q.op_hi_zero && f_q.op_lo == sadb_pkg::OpSetCap[2:0];
  assign add_pkt     = PktOn && f_q.op_hi_zero && f_q.op_lo == sadb_pkg::OpAddSaPkt[2:0];
  assign sa_image_ok = f_q.mode_ok && f_q.flags_ok;
  assign v2          = add_sa_v2 || del_sa_v2 || mod_sa_v2;
  assign esn_en      = (v2 || add_pkt) && f_q.esn_flag;
  assign echo        = f_q.len_handle ? handle : '0;
  assign pkt_bad     = !pf_q.len_pkt || !sa_image_ok || !pf_q.rsvd_zero || !pf_q.mode_ok
                    || pf_q.rw_bad || pf_q.seq_bad
                    || pf_q.sb_gt_hi || (pf_q.sb_eq_hi && pf_q.sb_gt_lo)
                    || pf_q.sp_gt_hi || (pf_q.sp_eq_hi && pf_q.sp_gt_lo)
                    || (!(f_q.dir_tx && tunnel) && !pf_q.tun_zero) || !pf_q.tun_fields_ok;
  assign illegal     = (add_sa    && (!f_q.len_v1 || !sa_image_ok || f_q.esn_flag))
                    || (add_sa_v2 && (!f_q.len_v2 || !sa_image_ok))
                    || (del_sa    && !f_q.len_v1)
                    || (del_sa_v2 && !f_q.len_v2)
                    || (mod_sa_v2 && (!f_q.len_v2 || !sa_image_ok))
                    || (set_cap   && !f_q.len_set_cap)
                    || (add_pkt   && pkt_bad)
                    || !(add_sa || add_sa_v2 || del_sa || del_sa_v2
                         || mod_sa_v2 || set_cap || add_pkt);
  assign count       = (add_sa || add_sa_v2 || mod_sa_v2 || add_pkt) ? sadb_pkg::CntAdd
                     : (del_sa || del_sa_v2)                             ? sadb_pkg::CntDel
                     :                                                     sadb_pkg::CntNone;

  // The table operation, straight from the image.
  always_comb begin
    op_kind_o = (del_sa || del_sa_v2) ? sadb_pkg::SaOpDelete
              : mod_sa_v2                 ? sadb_pkg::SaOpModify
              :                                 sadb_pkg::SaOpInsert;
    op_key_o.dir_tx      = f_q.dir_tx;
    op_key_o.ipv6        = f_q.ipv6;
    op_key_o.sip         = f_q.ipv6 ? sip : {96'b0, sip[31:0]};
    op_key_o.dip         = f_q.ipv6 ? dip : {96'b0, dip[31:0]};
    op_key_o.spi         = spi;
    op_ctx_o.key         = f_q.key256 ? key_enc : {key_enc[255:128], 128'b0};
    op_ctx_o.key256      = f_q.key256;
    op_ctx_o.salt        = salt;
    op_ctx_o.handle      = handle;
    op_ctx_o.esn_en      = esn_en;
    // A packet SA keeps ESN_EN only: seq carries its high half (packet section P8).
    op_ctx_o.esn_overlap = esn_en && !add_pkt && f_q.esn_overlap;
    op_ctx_o.esn_hi      = esn_en && !add_pkt ? esn : '0;
  end
  assign op_pkt_o = add_pkt;

  // ---------------------------------------------------------------------------------------
  // Sequencing
  // ---------------------------------------------------------------------------------------
  sadb_pkg::exec_state_e state_q;
  sadb_pkg::cmd_count_e  count_q;
  logic [31:0]           synd_q, echo_q;
  logic                  no_trailer_q;
  logic                  offer;        // the table's ack is for a packet SA added or deleted

  always_ff @(posedge clk_i) begin
    if (state_q == sadb_pkg::ExIdle) begin
      f_q  <= f_d;
      pf_q <= pf_d;
    end
  end

  assign offer = PktOn && op_ack_i && op_status_i == sadb_pkg::SaOk
              && (add_pkt || ((del_sa || del_sa_v2) && op_pkt_i));

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      state_q      <= sadb_pkg::ExIdle;
      no_trailer_q <= 1'b0;
    end else begin
      unique case (state_q)
        sadb_pkg::ExIdle: begin
          if (cmd_valid_i && table_ready_i) state_q <= sadb_pkg::ExCheck;
        end
        sadb_pkg::ExCheck: begin
          if (illegal || set_cap) state_q <= sadb_pkg::ExRespond;
          else                        state_q <= sadb_pkg::ExTable;
          if (!illegal && set_cap) no_trailer_q <= f_q.granted[0];
        end
        sadb_pkg::ExTable: begin
          if (offer)         state_q <= sadb_pkg::ExOffer;
          else if (op_ack_i) state_q <= sadb_pkg::ExRespond;
        end
        sadb_pkg::ExOffer: begin
          if (pkt_sa_ready_i) state_q <= sadb_pkg::ExRespond;
        end
        sadb_pkg::ExRespond: begin
          state_q <= sadb_pkg::ExIdle;
        end
        default: begin
          state_q <= sadb_pkg::ExIdle;
        end
      endcase
    end
  end

  always_ff @(posedge clk_i) begin
    if (state_q == sadb_pkg::ExCheck) begin
      count_q <= count;
      synd_q  <= illegal ? sadb_pkg::SyndIllegalRequest : sadb_pkg::SyndOk;
      echo_q  <= set_cap ? (illegal ? '0 : f_q.granted) : echo;
    end else if (state_q == sadb_pkg::ExTable && op_ack_i) begin
      synd_q  <= op_status_i == sadb_pkg::SaOk       ? sadb_pkg::SyndOk
               : op_status_i == sadb_pkg::SaPacketSa ? sadb_pkg::SyndIllegalRequest
               :                                       sadb_pkg::SyndSadbIssue;
    end
  end

  assign op_req_o      = state_q == sadb_pkg::ExTable;
  assign rsp_valid_o   = state_q == sadb_pkg::ExRespond;
  assign cmd_done_o    = state_q == sadb_pkg::ExRespond;
  assign rsp_word0_o   = synd_q;
  assign rsp_word1_o   = echo_q;
  assign no_trailer_o  = no_trailer_q;
  assign add_success_o = rsp_valid_o && count_q == sadb_pkg::CntAdd && synd_q == sadb_pkg::SyndOk;
  assign add_fail_o    = rsp_valid_o && count_q == sadb_pkg::CntAdd && synd_q != sadb_pkg::SyndOk;
  assign del_success_o = rsp_valid_o && count_q == sadb_pkg::CntDel && synd_q == sadb_pkg::SyndOk;
  assign del_fail_o    = rsp_valid_o && count_q == sadb_pkg::CntDel && synd_q != sadb_pkg::SyndOk;

  // ---------------------------------------------------------------------------------------
  // Packet offload: ADD_SA_PKT's compares, the response's index and the packet SA record
  // ---------------------------------------------------------------------------------------
  if (PktOn) begin : gen_pkt
    logic [7:0]  mode, rw, ttl, tos, tun_flags;
    logic [15:0] rsvd0;
    logic [7:0]  rsvd1;
    logic [63:0] rsvd2, seq, soft_bytes, hard_bytes, soft_packets, hard_packets;
    logic [31:0] flow;
    logic        add_pkt_q;  // the command is ADD_SA_PKT (its record's add bit)
    logic [15:0] index_q;    // the table's index from the ack
    logic [15:0] word2_q;    // response word 2: ADD_SA_PKT's index on success

    assign mode         = cmd_image_i[ImgW-1-8*sadb_pkg::OffPktMode     -: 8];
    assign rw           = cmd_image_i[ImgW-1-8*sadb_pkg::OffReplayWords -: 8];
    assign rsvd0        = cmd_image_i[ImgW-1-8*sadb_pkg::OffPktRsvd0    -: 16];
    assign seq          = cmd_image_i[ImgW-1-8*sadb_pkg::OffSeq         -: 64];
    assign soft_bytes   = cmd_image_i[ImgW-1-8*sadb_pkg::OffSoftBytes   -: 64];
    assign hard_bytes   = cmd_image_i[ImgW-1-8*sadb_pkg::OffHardBytes   -: 64];
    assign soft_packets = cmd_image_i[ImgW-1-8*sadb_pkg::OffSoftPackets -: 64];
    assign hard_packets = cmd_image_i[ImgW-1-8*sadb_pkg::OffHardPackets -: 64];
    assign ttl          = cmd_image_i[ImgW-1-8*sadb_pkg::OffTtl         -: 8];
    assign tos          = cmd_image_i[ImgW-1-8*sadb_pkg::OffTos         -: 8];
    assign tun_flags    = cmd_image_i[ImgW-1-8*sadb_pkg::OffTunFlags    -: 8];
    assign rsvd1        = cmd_image_i[ImgW-1-8*sadb_pkg::OffPktRsvd1    -: 8];
    assign flow         = cmd_image_i[ImgW-1-8*sadb_pkg::OffFlowLabel   -: 32];
    assign rsvd2        = cmd_image_i[ImgW-1-8*sadb_pkg::OffPktRsvd2    -: 64];

    // The compares, registered with f_q (the image's flags bits taken from it directly).
    always_comb begin : p_pkt_compare
      logic f_tx, f_esn;
      f_tx  = (flags & sadb_pkg::FlagDirSx) != '0;
      f_esn = (flags & sadb_pkg::FlagEsnEn) != '0;
      pf_d.len_pkt       = cmd_len_i == LenPkt;
      pf_d.rsvd_zero     = {rsvd0, rsvd1, rsvd2} == '0;
      pf_d.mode_ok       = mode[7:1] == '0;
      pf_d.rw_bad        = rw > 8'(sadb_pkg::MaxReplayWords) || (f_tx && rw != '0)
                        || (!f_tx && f_esn && rw == '0);
      pf_d.seq_bad       = (!f_esn && seq[63:32] != '0) || (f_tx && seq == '0);
      pf_d.sb_gt_hi      = soft_bytes[63:32] > hard_bytes[63:32];
      pf_d.sb_eq_hi      = soft_bytes[63:32] == hard_bytes[63:32];
      pf_d.sb_gt_lo      = soft_bytes[31:0] > hard_bytes[31:0];
      pf_d.sp_gt_hi      = soft_packets[63:32] > hard_packets[63:32];
      pf_d.sp_eq_hi      = soft_packets[63:32] == hard_packets[63:32];
      pf_d.sp_gt_lo      = soft_packets[31:0] > hard_packets[31:0];
      pf_d.tun_zero      = {ttl, tos, tun_flags, flow} == '0;
      pf_d.tun_fields_ok = tun_flags[7:2] == '0 && flow[31:20] == '0;
    end
    assign tunnel = mode[0];

    // The ack's index, and response word 2 (0 unless the ADD_SA_PKT succeeded).
    always_ff @(posedge clk_i) begin
      if (state_q == sadb_pkg::ExCheck) begin
        word2_q   <= '0;
        add_pkt_q <= add_pkt;
      end else if (state_q == sadb_pkg::ExTable && op_ack_i) begin
        index_q   <= op_index_i;
        if (add_pkt && op_status_i == sadb_pkg::SaOk) word2_q <= op_index_i;
      end
    end

    // The record, from the image the mailbox holds until the response (cmd_done_o). A
    // delete's record carries its add bit, index and direction only.
    always_comb begin
      pkt_sa_o              = '0;
      pkt_sa_o.add          = add_pkt_q;
      pkt_sa_o.index        = index_q;
      pkt_sa_o.tx           = f_q.dir_tx;
      if (add_pkt_q) begin
        pkt_sa_o.esn          = f_q.esn_flag;
        pkt_sa_o.ipv6         = f_q.ipv6;
        pkt_sa_o.tunnel       = tunnel;
        pkt_sa_o.replay_words = rw[5:0];
        pkt_sa_o.seq          = seq;
        pkt_sa_o.handle       = handle;
        pkt_sa_o.spi          = spi;
        pkt_sa_o.sip          = op_key_o.sip;
        pkt_sa_o.dip          = op_key_o.dip;
        pkt_sa_o.ttl          = ttl;
        pkt_sa_o.tos          = tos;
        pkt_sa_o.tun_flags    = tun_flags[1:0];
        pkt_sa_o.flow         = flow[19:0];
        pkt_sa_o.soft_bytes   = soft_bytes;
        pkt_sa_o.hard_bytes   = hard_bytes;
        pkt_sa_o.soft_packets = soft_packets;
        pkt_sa_o.hard_packets = hard_packets;
      end
    end
    assign pkt_sa_valid_o = state_q == sadb_pkg::ExOffer;
    assign rsp_word2_o    = {16'b0, word2_q};
  end else begin : gen_no_pkt
    logic unused_pkt;
    assign unused_pkt     = ^{op_index_i, op_pkt_i, pkt_sa_ready_i};
    assign pf_d           = '0;
    assign tunnel         = 1'b0;
    assign rsp_word2_o    = '0;
    assign pkt_sa_o       = '0;
    assign pkt_sa_valid_o = 1'b0;
  end

endmodule
