// Types and constants of the SA database: the SA commands of the Innova hardware/software
// contract (section 3: opcodes, image layout, flags, syndromes), the SA match key, the
// per-SA context the datapath reads, and the interface between the command executor and
// the SA table.
package sadb_pkg;

  // ---------------------------------------------------------------------------------------
  // SA commands (contract section 3). Multi-byte fields are big-endian.
  // ---------------------------------------------------------------------------------------

  // Opcodes: be32 at image byte 0.
  localparam logic [31:0] OpAddSa   = 32'd0;
  localparam logic [31:0] OpDelSa   = 32'd1;
  localparam logic [31:0] OpAddSaV2 = 32'd2;
  localparam logic [31:0] OpDelSaV2 = 32'd3;
  localparam logic [31:0] OpModSaV2 = 32'd4;
  localparam logic [31:0] OpSetCap  = 32'd5;

  // Response syndromes: be32 at response byte 0.
  localparam logic [31:0] SyndOk                = 32'd0;
  localparam logic [31:0] SyndIllegalRequest    = 32'd1;
  localparam logic [31:0] SyndSadbIssue         = 32'd2;
  localparam logic [31:0] SyndWriteResponseIssue = 32'd3;  // never sent: responses cannot be lost

  // Command lengths in bytes, and the largest image (the command window).
  localparam int unsigned CmdLenV1     = 132;
  localparam int unsigned CmdLenV2     = 148;
  localparam int unsigned CmdLenSetCap = 32;
  localparam int unsigned CmdMaxBytes  = CmdLenV2;
  localparam int unsigned CmdWords     = CmdMaxBytes / 4;   // 37 be32 words
  localparam int unsigned CmdBits      = CmdMaxBytes * 8;
  // The command queue is 8 deep (the real device's queue pair held 8 commands).
  localparam int unsigned CmdQueueDepth = 8;

  // SA image byte offsets.
  localparam int unsigned OffOpcode    = 'h00;  // 4 bytes
  localparam int unsigned OffKeyEnc    = 'h04;  // 32 bytes; a 128-bit key is written twice
  localparam int unsigned OffSip       = 'h44;  // 16 bytes; IPv4 in the last word (0x50)
  localparam int unsigned OffDip       = 'h54;  // 16 bytes; IPv4 in the last word (0x60)
  localparam int unsigned OffSalt      = 'h70;  // 4 bytes: the RFC 4106 salt
  localparam int unsigned OffSpi       = 'h74;  // 4 bytes
  localparam int unsigned OffHandle    = 'h78;  // 4 bytes: sw_sa_handle
  localparam int unsigned OffEncMode   = 'h7E;  // 1 byte
  localparam int unsigned OffFlags     = 'h81;  // 1 byte
  localparam int unsigned OffEsn       = 'h8C;  // 4 bytes, V2 images only
  // SET_CAP: the requested capability flags, be32 at byte 4.
  localparam int unsigned OffCapFlags  = 'h04;

  // SA image flags (byte 0x81).
  localparam logic [7:0] FlagEsnEn      = 8'h01;
  localparam logic [7:0] FlagEsnOverlap = 8'h02;
  localparam logic [7:0] FlagIpv6       = 8'h04;
  localparam logic [7:0] FlagDirSx      = 8'h08;  // set: a TX (encrypt) SA
  localparam logic [7:0] FlagSpiEn      = 8'h10;
  localparam logic [7:0] FlagSaValid    = 8'h20;
  localparam logic [7:0] FlagIpEsp      = 8'h40;
  localparam logic [7:0] FlagsRequired  = FlagSpiEn | FlagSaValid | FlagIpEsp;

  // enc_mode (byte 0x7E). Both use a 128-bit ICV.
  localparam logic [7:0] EncModeAesGcm128 = 8'd1;
  localparam logic [7:0] EncModeAesGcm256 = 8'd3;

  // SET_CAP flags; the engine supports all it knows.
  localparam logic [31:0] CapNoTrailer  = 32'h0000_0001;
  localparam logic [31:0] CapSupported  = CapNoTrailer;

  // ---------------------------------------------------------------------------------------
  // What the table stores
  // ---------------------------------------------------------------------------------------

  // The SA match key (contract section 3 leaves it undocumented; inferred: direction, SIP,
  // DIP, SPI, IPv6). IPv4 addresses are in [31:0] with the rest zero.
  typedef struct packed {
    logic         dir_tx;  // 1: TX (encrypt) SA, from DIR_SX
    logic         ipv6;
    logic [127:0] sip;
    logic [127:0] dip;
    logic [31:0]  spi;
  } sa_key_t;
  localparam int unsigned SaKeyW = 1 + 1 + 128 + 128 + 32;

  // What the datapath needs per frame, ready to use. The hash key H = AES_K(0) is not
  // stored: the GCM unit computes it in a free pipeline slot at the start of each frame.
  typedef struct packed {
    logic [255:0] key;          // key_enc, byte 0 in [255:248]; AES-128: [255:128], [127:0] = 0
    logic         key256;       // enc_mode AES-GCM-256
    logic [31:0]  salt;
    logic [31:0]  handle;       // sw_sa_handle, echoed in RX metadata
    logic         esn_en;
    logic         esn_overlap;
    logic [31:0]  esn_hi;       // ESN high 32 bits (contract section 7, RFC 4303 appendix A)
  } sa_ctx_t;
  localparam int unsigned SaCtxW = 256 + 1 + 32 + 32 + 1 + 1 + 32;
  // The context is stored as two rows: the key material, and the ESN state that MOD_SA_V2
  // rewrites on its own. They are the upper and the lower bits of sa_ctx_t.
  localparam int unsigned SaEsnW    = 1 + 1 + 32;
  localparam int unsigned SaKeyMatW = SaCtxW - SaEsnW;

  // Clocks from a lookup request to its result, on both lookup ports.
  localparam int unsigned LookupLatency = 2;

  // Index geometry: two halves (d-left hashing with d = 2), buckets of IndexWays slots,
  // 4 x NumSa slots in all. See sa_table for the capacity argument.
  localparam int unsigned IndexWays = 8;

  // ---------------------------------------------------------------------------------------
  // Executor <-> table
  // ---------------------------------------------------------------------------------------

  typedef enum logic [1:0] {
    SaOpInsert = 2'd0,  // a new SA: key and whole context
    SaOpDelete = 2'd1,  // by key
    SaOpModify = 2'd2   // by key: the ESN fields of the context only
  } sa_op_e;

  typedef enum logic [2:0] {
    SaOk          = 3'd0,
    SaDuplicate   = 3'd1,  // insert: the key is already in the table
    SaNoRoom      = 3'd2,  // insert: NumSa SAs are live
    SaBucketFull  = 3'd3,  // insert: both candidate index buckets are full
    SaNotFound    = 3'd4   // delete, modify: no SA has this key
  } sa_status_e;

  // States of the table's command side.
  typedef enum logic [2:0] {
    TblScrub    = 3'd0,  // after reset: zero every context, fill the free list
    TblIdle     = 3'd1,
    TblDecide   = 3'd2,  // the candidate buckets have been read
    TblDelWait  = 3'd3,  // a deleted slot is invalid; lookups in flight drain
    TblDelClear = 3'd4   // zero the deleted context, free its record
  } tbl_state_e;

  // States of the command executor.
  typedef enum logic [1:0] {
    ExIdle    = 2'd0,
    ExTable   = 2'd1,  // a table operation is running
    ExRespond = 2'd2
  } exec_state_e;

  // Which hardware counters a command feeds (contract section 4).
  typedef enum logic [1:0] {
    CntNone = 2'd0,
    CntAdd  = 2'd1,  // ipsec_add_sa_success / _fail
    CntDel  = 2'd2   // ipsec_del_sa_success / _fail
  } cmd_count_e;

endpackage
