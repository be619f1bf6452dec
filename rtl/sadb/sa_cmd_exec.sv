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
module sa_cmd_exec (
  input  logic                          clk_i,
  input  logic                          rst_ni,

  // Mailbox.
  input  logic                          cmd_valid_i,
  input  logic [7:0]                    cmd_len_i,
  input  logic [sadb_pkg::CmdBits-1:0]  cmd_image_i,  // image byte 0 in the top bits
  output logic                          cmd_done_o,
  output logic                          rsp_valid_o,
  output logic [31:0]                   rsp_word0_o,
  output logic [31:0]                   rsp_word1_o,

  // SA table.
  input  logic                          table_ready_i,
  output logic                          op_req_o,
  output sadb_pkg::sa_op_e              op_kind_o,
  output sadb_pkg::sa_key_t             op_key_o,
  output sadb_pkg::sa_ctx_t             op_ctx_o,
  input  logic                          op_ack_i,
  input  sadb_pkg::sa_status_e          op_status_i,

  // Results.
  output logic                          no_trailer_o,   // CONTROL.NO_TRAILER
  output logic                          add_success_o,  // counter increments
  output logic                          add_fail_o,
  output logic                          del_success_o,
  output logic                          del_fail_o
);

  localparam int unsigned ImgW = sadb_pkg::CmdBits;
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

  fields_t f_d, f_q;

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
  assign sa_image_ok = f_q.mode_ok && f_q.flags_ok;
  assign v2          = add_sa_v2 || del_sa_v2 || mod_sa_v2;
  assign esn_en      = v2 && f_q.esn_flag;
  assign echo        = f_q.len_handle ? handle : '0;
  assign illegal     = (add_sa    && (!f_q.len_v1 || !sa_image_ok || f_q.esn_flag))
                    || (add_sa_v2 && (!f_q.len_v2 || !sa_image_ok))
                    || (del_sa    && !f_q.len_v1)
                    || (del_sa_v2 && !f_q.len_v2)
                    || (mod_sa_v2 && (!f_q.len_v2 || !sa_image_ok))
                    || (set_cap   && !f_q.len_set_cap)
                    || !(add_sa || add_sa_v2 || del_sa || del_sa_v2
                         || mod_sa_v2 || set_cap);
  assign count       = (add_sa || add_sa_v2 || mod_sa_v2) ? sadb_pkg::CntAdd
                     : (del_sa || del_sa_v2)                  ? sadb_pkg::CntDel
                     :                                                  sadb_pkg::CntNone;

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
    op_ctx_o.esn_overlap = esn_en && f_q.esn_overlap;
    op_ctx_o.esn_hi      = esn_en ? esn : '0;
  end

  // ---------------------------------------------------------------------------------------
  // Sequencing
  // ---------------------------------------------------------------------------------------
  sadb_pkg::exec_state_e state_q;
  sadb_pkg::cmd_count_e  count_q;
  logic [31:0]           synd_q, echo_q;
  logic                  no_trailer_q;

  always_ff @(posedge clk_i) begin
    if (state_q == sadb_pkg::ExIdle) f_q <= f_d;
  end

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
          if (op_ack_i) state_q <= sadb_pkg::ExRespond;
        end
        sadb_pkg::ExRespond: begin
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
      synd_q  <= op_status_i == sadb_pkg::SaOk ? sadb_pkg::SyndOk : sadb_pkg::SyndSadbIssue;
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

endmodule
