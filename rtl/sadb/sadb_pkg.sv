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
  // Full packet offload only (docs/packet_offload.md, packet section P2): a packet SA.
  localparam logic [31:0] OpAddSaPkt = 32'd6;

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
  // With packet offload (ipsec_ctrl's PktOffload) the window is ADD_SA_PKT's image.
  localparam int unsigned CmdLenPkt    = 208;
  localparam int unsigned CmdWordsPkt  = CmdLenPkt / 4;     // 52 be32 words
  localparam int unsigned CmdBitsPkt   = CmdLenPkt * 8;
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
  // ADD_SA_PKT's bytes after the V2 image (packet section P2).
  localparam int unsigned OffPktMode     = 'h94;  // 1 byte: 0 transport, 1 tunnel
  localparam int unsigned OffReplayWords = 'h95;  // 1 byte: 0 .. 32
  localparam int unsigned OffPktRsvd0    = 'h96;  // 2 bytes reserved
  localparam int unsigned OffSeq         = 'h98;  // be64
  localparam int unsigned OffSoftBytes   = 'hA0;  // be64 each
  localparam int unsigned OffHardBytes   = 'hA8;
  localparam int unsigned OffSoftPackets = 'hB0;
  localparam int unsigned OffHardPackets = 'hB8;
  localparam int unsigned OffTtl         = 'hC0;  // tunnel, TX
  localparam int unsigned OffTos         = 'hC1;
  localparam int unsigned OffTunFlags    = 'hC2;  // bits 1:0 only
  localparam int unsigned OffPktRsvd1    = 'hC3;  // 1 byte reserved
  localparam int unsigned OffFlowLabel   = 'hC4;  // be32, bits 19:0 only
  localparam int unsigned OffPktRsvd2    = 'hC8;  // 8 bytes reserved
  localparam int unsigned MaxReplayWords = 32;    // CAP_PKT's 1,024 bits

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

  // Clocks from a lookup request to its result, on both lookup ports (sa_table: the key
  // registered, hashed in two steps, the buckets read, the slots compared in two steps, the
  // record read; the stage map in docs/architecture.md).
  localparam int unsigned LookupLatency = 6;

  // Index geometry: two halves (d-left hashing with d = 2), buckets of IndexWays slots,
  // 4 x NumSa slots in all. See sa_table for the capacity argument.
  localparam int unsigned IndexWays = 8;

  // ---------------------------------------------------------------------------------------
  // The two bucket hashes of an SA key, one per index half (up to 16 index bits).
  //
  // CRC-style: the key's ten 32-bit words are XOR-folded into 32 bits, each word rotated
  // by its own amount (so equal values in different fields, e.g. swapped addresses, do not
  // cancel), then multiplied by the CRC update matrix of one 32-bit word. The two halves
  // use different rotations and polynomials (CRC-32C and CRC-32K), so keys that collide in
  // one half rarely collide in the other. XOR gates only in hardware, a few word operations
  // in simulation. Sequential SPIs, sequential IPv4/IPv6 addresses and random keys all
  // spread at least as evenly as a random function (measured with the geometry and the
  // insertion rule of sa_table: at most 4 SAs per 8-slot bucket when 1024 such keys fill
  // the table).
  // ---------------------------------------------------------------------------------------

  // Rotation of key word k (spi, sip[31:0] .. sip[127:96], dip[31:0] .. dip[127:96],
  // {dir_tx, ipv6}) in Rot[5k +: 5].
  localparam logic [49:0] HashRotA = {5'd29, 5'd24, 5'd17, 5'd10, 5'd3,
                                      5'd26, 5'd19, 5'd12, 5'd5,  5'd0};
  localparam logic [49:0] HashRotB = {5'd13, 5'd20, 5'd27, 5'd4,  5'd11,
                                      5'd30, 5'd7,  5'd14, 5'd21, 5'd0};
  // Row i (in [32i +: 32]): the input bits of output bit i of one CRC step over a 32-bit
  // word, polynomials 0x1EDC6F41 (CRC-32C) and 0x741B8CD7 (CRC-32K).
  localparam logic [511:0] HashMixA = {
    32'hc4d34fd6, 32'h6269a7eb, 32'hde675a0d, 32'h006024fe,
    32'h0030127f, 32'h6f4b80c7, 32'hd8f6499b, 32'h0328ad35,
    32'heec7df62, 32'h7763efb1, 32'hd4e27e20, 32'hea713f10,
    32'hf5389f88, 32'h7a9c4fc4, 32'hbd4e27e2, 32'hdea713f1};
  localparam logic [511:0] HashMixB = {
    32'ha4fa18bd, 32'h59941538, 32'hacca0a9c, 32'h5665054e,
    32'h2b3282a7, 32'h1e705835, 32'h84d1357c, 32'hc2689abe,
    32'h61344d5f, 32'h3b733fc9, 32'h16508682, 32'h8b284341,
    32'hce7d38c6, 32'h673e9c63, 32'h38765757, 32'h17d232cd};

  function automatic logic [31:0] hash_rotl(input logic [31:0] x, input logic [4:0] r);
    hash_rotl = (x << r) | (x >> (6'd32 - {1'b0, r}));  // a shift by 32 gives 0
  endfunction

  // Few and narrow locals: a simulator zeroes a function's locals on every evaluation of
  // the block that calls it, taken branch or not. The key is passed as a plain vector
  // (sa_key_t's bits: dir_tx 289, ipv6 288, sip 287:160, dip 159:32, spi 31:0): Yosys
  // 0.23 cannot select members of a struct argument.
  function automatic logic [31:0] sa_hash_fold(input logic [SaKeyW-1:0] key,
                                               input logic [49:0] rot);
    sa_hash_fold = hash_rotl(key[31:0],              rot[4:0])     // spi
                 ^ hash_rotl(key[191:160],           rot[9:5])     // sip[31:0]
                 ^ hash_rotl(key[223:192],           rot[14:10])
                 ^ hash_rotl(key[255:224],           rot[19:15])
                 ^ hash_rotl(key[287:256],           rot[24:20])   // sip[127:96]
                 ^ hash_rotl(key[63:32],             rot[29:25])   // dip[31:0]
                 ^ hash_rotl(key[95:64],             rot[34:30])
                 ^ hash_rotl(key[127:96],            rot[39:35])
                 ^ hash_rotl(key[159:128],           rot[44:40])   // dip[127:96]
                 ^ hash_rotl({30'b0, key[289:288]},  rot[49:45]);  // {dir_tx, ipv6}
  endfunction

  // The folds of the two halves; index bit i of a half is ^(fold & Mix[32i +: 32]).
  function automatic logic [31:0] sa_fold_a(input logic [SaKeyW-1:0] key);
    sa_fold_a = sa_hash_fold(key, HashRotA);
  endfunction

  function automatic logic [31:0] sa_fold_b(input logic [SaKeyW-1:0] key);
    sa_fold_b = sa_hash_fold(key, HashRotB);
  endfunction

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
    SaNotFound    = 3'd4,  // delete, modify: no SA has this key
    SaPacketSa    = 3'd5   // modify: the key's SA is a packet SA (left unchanged)
  } sa_status_e;

  // States of the table's command side.
  typedef enum logic [3:0] {
    TblScrub    = 4'd0,  // after reset: zero every context and index row, fill the free list
    TblIdle     = 4'd1,
    TblFold     = 4'd2,  // the key's two 32-bit folds
    TblRead     = 4'd3,  // their bucket indexes; read the two candidate buckets
    TblMatch    = 4'd4,  // the slots' key words compared; each bucket's SAs counted
    TblFind     = 4'd5,  // the slot holding the key
    TblDecide   = 4'd6,  // its record; where an insert goes
    TblApply    = 4'd7,  // write the index rows and the record
    TblDelWait  = 4'd8,  // a deleted slot is invalid; lookups in flight drain (3 clocks)
    TblDelClear = 4'd9,  // zero the deleted context, free its record
    TblModify   = 4'd10  // packet offload: a modify decided by the record's packet mark
  } tbl_state_e;

  // States of the command executor.
  typedef enum logic [2:0] {
    ExIdle    = 3'd0,  // the image's fields are compared (registered) while a command waits
    ExCheck   = 3'd3,  // the compares joined: illegal, SET_CAP, or a table operation
    ExTable   = 3'd1,  // a table operation is running
    ExRespond = 3'd2,
    ExOffer   = 3'd4   // packet offload: the packet SA record offered to the units
  } exec_state_e;

  // Packet offload: a packet SA added or deleted, as the command executor offers it to the
  // packet units (ipsec_ctrl's pkt_sa_* port). On a delete only add (0), index and tx carry
  // anything; the other fields are 0.
  typedef struct packed {
    logic         add;           // 1: ADD_SA_PKT installed a packet SA at index; 0: one was deleted
    logic [15:0]  index;
    logic         tx;            // DIR_SX
    logic         esn;           // ESN_EN
    logic         ipv6;          // the image's IPv6 flag
    logic         tunnel;        // mode 1
    logic [5:0]   replay_words;  // 0 .. 32
    logic [63:0]  seq;           // TX: next number to send; RX: the window's right edge
    logic [31:0]  handle;        // sw_sa_handle
    logic [31:0]  spi;
    logic [127:0] sip;           // as sa_key_t: IPv4 in [31:0]
    logic [127:0] dip;
    logic [7:0]   ttl;
    logic [7:0]   tos;
    logic [1:0]   tun_flags;     // image byte 0xC2 bits 1:0
    logic [19:0]  flow;
    logic [63:0]  soft_bytes;
    logic [63:0]  hard_bytes;
    logic [63:0]  soft_packets;
    logic [63:0]  hard_packets;
  } pkt_sa_cmd_t;
  localparam int unsigned PktSaCmdW = 1 + 16 + 1 + 1 + 1 + 1 + 6 + 64 + 32 + 32 + 128 + 128
                                    + 8 + 8 + 2 + 20 + 4 * 64;

  // Which hardware counters a command feeds (contract section 4).
  typedef enum logic [1:0] {
    CntNone = 2'd0,
    CntAdd  = 2'd1,  // ipsec_add_sa_success / _fail
    CntDel  = 2'd2   // ipsec_del_sa_success / _fail
  } cmd_count_e;

endpackage
