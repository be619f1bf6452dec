// The SA table: up to NumSa security associations, found by their match key on two fully
// pipelined lookup ports (TX and RX: one lookup per clock each, result LookupLatency = 6
// clocks later), and changed one operation at a time by the command executor.
//
// Structure
// - Record store: NumSa records, each the SA's context in two rows (keymat: key, key256,
//   salt, handle; esn: the ESN state MOD_SA_V2 rewrites). Free records are kept in a FIFO
//   free list, so exactly NumSa SAs fit and the (NumSa+1)-th insert fails.
// - Index: d-left hashing with d = 2 (Voecking). Two halves, each NumBuckets buckets of
//   Ways = 8 slots; a slot holds a valid bit, the whole key and a record pointer, so a
//   lookup compares full keys and never confuses two SAs. Slots: 2 x NumBuckets x 8 =
//   4 x NumSa (NumSa a power of two; more otherwise). The hashes of sadb_pkg give a key's
//   bucket in each half; an insert takes the less loaded of the two (ties: the first half).
//   A bucket is one memory row (Ways slots), read and written whole.
//
// Packet offload (PktOffload 1, docs/packet_offload.md): each SA also carries a packet mark
// (ADD_SA_PKT's SAs), stored with its record: one more bit of the ESN row in each lookup
// port's copy (35 of the block RAM's 36 bits: no more block RAM), so a lookup reads it with
// the record, and a one-bit row per record on the command side (mark_mem), which MOD_SA_V2
// reads to refuse a packet SA (SaPacketSa, one clock more: Modify) and a delete to say what
// it deleted. A lookup also answers the hit SA's record index (res_index: the index
// ADD_SA_PKT answers, TX metadata and PKT_STATS_INDEX name), and an operation's ack the
// record it took (insert) or freed (delete), with the deleted SA's mark. The TX port serves
// two kinds of frame (packet section P8, "The TX lookup in the RTL"): a host's crypto-offload
// frame, by key, which finds crypto SAs only; and a frame the encapsulator made, by the index
// its metadata named (tx_lkp_by_index_i), which finds the packet SA whose record that is or
// nothing: the index rides beside clocks 1 to 5 and addresses the record in the compare's
// place, and the mark read with the record decides the hit. With PktOffload 0 none of it
// exists and those outputs are 0: the table is the Innova's, bit for bit.
//
// Record indices come from the free list, first in first out: after the scrub it holds 0,
// 1, ..., NumSa - 1 in order, an insert takes its head and a delete puts the freed record at
// its tail, so a freed index is given again only after every one freed before it (packet
// section P8, "SA indices"; the reference model gives slots by the same rule).
//
// Memories for an FPGA (docs/fpga.md): every memory has one write port and one read port,
// a registered read, so that each is a block RAM. Memories read by several ports are kept
// as copies written together: each index half three times (TX, RX and the command side:
// rdata held between reads, so the command side reads a row once and writes it back
// changed), each record row twice (TX, RX). The free list is one memory.
//
// Capacity bound. The record store always fits NumSa SAs. The index fails an insert only
// if both candidate buckets of the new key already hold 8 SAs. With NumSa = 1024 (256
// buckets of 8 per half, 1024 live SAs = a quarter of the slots), measured with this
// module's hash functions and insertion rule: filling the table with 15 kinds of
// structured keys (sequential SPIs, sequential or strided IPv4/IPv6 addresses, TX/RX
// pairs) put at most 4 SAs in a bucket, 20,000 fills with random keys at most 5, and 20
// million random deletes and inserts on a full table at most 5. The d-left tail falls
// doubly exponentially (buckets at 4 or more: 7e-2 and 2e-2 of each half; at 5 or more:
// 1e-3 and 1.5e-5); extrapolated, an insert finding 8 + 8 is far below 1e-20. The hash is
// fixed and linear, so keys crafted against it could still fill one bucket pair: such an
// insert is refused (op_status_o = SaBucketFull, SADB_ISSUE to the driver) and the table
// stays consistent.
//
// Logic depth (docs/fpga.md: at most 5 LUT levels between registers). Yosys maps a wide
// function between registers into chains of LUTs through their fast inputs where its delay
// model allows, so every stage below keeps each registered bit a function of few inputs
// (at most 22 from registers), or of one 32-bit word compare straight after a block RAM,
// whose AND runs on a carry chain (word_eq).
//
// Lookup pipeline, per port (LookupLatency = 6):
//   clock 1: the key registered;
//   clock 2: its two 32-bit folds (sadb_pkg: XORs of at most 10 key bits each);
//   clock 3: each half's bucket index (XORs of at most 21 fold bits) into the read address
//            of that port's index copy; both rows read;
//   clock 4: per slot, each 32-bit key word compared with the key's (from the block RAM's
//            output), registered with the slot's valid bit and record pointer;
//   clock 5: per slot, valid and all words equal: the match, and the pointer masked by it;
//   clock 6: the pointers ORed into the record memories' address, the record read; no hit
//            reads zeros (the read register's reset).
//
// Consistency with the lookups. A lookup reads both bucket rows on one clock edge and the
// record three edges later. An insert writes the record and the index row on the same
// clock edge, into a record no valid slot points to. A delete writes the row with the slot
// cleared first and zeroes the record four clocks later, after any lookup that read the
// row before has read the record. A modify rewrites the ESN row in one write. So a lookup
// sees an SA entirely before or entirely after each change.
//
// Key material. Every record and every index row is zeroed by a scrub after reset
// (max(NumSa, NumBuckets) clocks; no lookup hits meanwhile; ready_o is low and operations
// wait), and a record's copies when its SA is deleted. A lookup that misses returns an
// all-zero context.
//
// Command side: op_req_i is held, with op_kind_i/op_key_i/op_ctx_i stable, until op_ack_o
// (one clock, with op_status_o). Insert and modify take 7 clocks (modify 8 with PktOffload),
// delete 11.
//   Idle:   on a request, register the key and the kind;
//   Fold:   the key's two folds;
//   Read:   the bucket indexes; read the two buckets (the command side's index copies);
//   Match:  per slot, the key words compared; per bucket, its SAs counted (d-left: the
//           less loaded bucket takes an insert, the first half on a tie) and its first
//           free slot;
//   Find:   the slot holding the key;
//   Decide: its record; a one-slot write mask per half (the insert's free slot, or the
//           slot holding the key);
//   Apply:  write the row read in Read with the masked slot replaced (insert) or zeroed
//           (delete), and the record; then for a delete DelWait (3 clocks), DelClear; with
//           PktOffload a modify that found its key goes on to Modify, where the record's
//           mark, read in Apply, decides (a packet SA is left unchanged).
//
// Simulation speed: the wide comparisons sit inside the clocked blocks, under the enables
// of their stage, so a Verilated model evaluates them only on the clocks that use them (an
// always_comb is evaluated on every clock); wide values are not passed to functions (a
// simulator zeroes function locals on every evaluation of the caller).
module sa_table #(
  parameter int unsigned NumSa      = 1024,  // 1 .. 65535
  parameter int unsigned PktOffload = 0      // 1: packet marks and indices (above)
) (
  input  logic                   clk_i,
  input  logic                   rst_ni,

  // TX lookup port (the encrypt pipeline). With PktOffload, a lookup by key finds crypto
  // SAs only, and one by index (tx_lkp_by_index_i: a frame the encapsulator made from a 0x0A
  // frame) the packet SA whose record that is, or nothing.
  input  logic                   tx_lkp_valid_i,
  input  sadb_pkg::sa_key_t      tx_lkp_key_i,
  input  logic                   tx_lkp_by_index_i,
  input  logic [15:0]            tx_lkp_index_i,
  output logic                   tx_res_valid_o,
  output logic                   tx_res_hit_o,
  output sadb_pkg::sa_ctx_t      tx_res_ctx_o,   // zero on a miss
  output logic                   tx_res_pkt_o,   // PktOffload: the hit SA is a packet SA
  output logic [15:0]            tx_res_index_o, // PktOffload: its record index; 0 on a miss

  // RX lookup port (the decrypt pipeline).
  input  logic                   rx_lkp_valid_i,
  input  sadb_pkg::sa_key_t      rx_lkp_key_i,
  output logic                   rx_res_valid_o,
  output logic                   rx_res_hit_o,
  output sadb_pkg::sa_ctx_t      rx_res_ctx_o,   // zero on a miss
  output logic                   rx_res_pkt_o,
  output logic [15:0]            rx_res_index_o,

  // Command side.
  output logic                   ready_o,        // the scrub after reset is done
  input  logic                   op_req_i,
  input  sadb_pkg::sa_op_e       op_kind_i,
  input  sadb_pkg::sa_key_t      op_key_i,
  input  sadb_pkg::sa_ctx_t      op_ctx_i,       // insert: all of it; modify: the ESN fields
  input  logic                   op_pkt_i,       // insert, PktOffload: a packet SA
  output logic                   op_ack_o,
  output sadb_pkg::sa_status_e   op_status_o,
  // With op_ack_o, PktOffload only (else 0): the record an insert took, or a delete freed;
  // whether the deleted SA was a packet SA.
  output logic [15:0]            op_index_o,
  output logic                   op_pkt_o
);

  localparam int unsigned Ways       = sadb_pkg::IndexWays;  // a power of two
  localparam int unsigned WayW       = $clog2(Ways);
  localparam int unsigned PtrW       = NumSa > 1 ? $clog2(NumSa) : 1;
  localparam int unsigned CntW       = $clog2(NumSa + 1);
  localparam int unsigned BucketW    = PtrW > 3 ? PtrW - 2 : 1;  // at most 16
  localparam int unsigned NumBuckets = 1 << BucketW;
  localparam int unsigned KeyW       = sadb_pkg::SaKeyW;
  // A slot is {valid, record pointer, key}; slot w of a row in [w*SlotW +: SlotW].
  localparam int unsigned SlotW      = 1 + PtrW + KeyW;
  localparam int unsigned RowW       = Ways * SlotW;
  localparam int unsigned KeyWords   = (KeyW + 31) / 32;  // a key is compared word by word
  localparam int unsigned LastAt     = 32 * (KeyWords - 1);  // its last, short word
  localparam int unsigned LastW      = KeyW - LastAt;
  localparam int unsigned PtrAt      = KeyW;          // within a slot
  localparam int unsigned ValidAt    = KeyW + PtrW;
  localparam int unsigned KeyMatW    = sadb_pkg::SaKeyMatW;
  localparam int unsigned EsnW       = sadb_pkg::SaEsnW;
  // A record's ESN row, and with PktOffload the packet mark above it.
  localparam logic        PktOn      = PktOffload != 0;
  localparam int unsigned EsnRecW    = EsnW + (PktOn ? 1 : 0);
  localparam int unsigned CtxW       = sadb_pkg::SaCtxW;
  // The scrub after reset covers every record and every index row.
  localparam int unsigned ScrubN     = NumSa > NumBuckets ? NumSa : NumBuckets;
  localparam int unsigned ScrubW     = ScrubN > 1 ? $clog2(ScrubN) : 1;

  localparam logic [PtrW-1:0]   LastRecord = PtrW'(NumSa - 1);
  localparam logic [ScrubW-1:0] LastScrub  = ScrubW'(ScrubN - 1);
  localparam logic [CntW-1:0]   AllRecords = CntW'(NumSa);

  // The lowest free slot of a bucket: {full, way}.
  function automatic logic [WayW:0] free_slot(input logic [Ways-1:0] valid);
    logic [WayW:0] slot;
    slot = {1'b1, {WayW{1'b0}}};
    for (int w = Ways - 1; w >= 0; w--) begin
      if (!valid[w]) slot = {1'b0, w[WayW-1:0]};
    end
    free_slot = slot;
  endfunction

  function automatic logic [WayW:0] used_slots(input logic [Ways-1:0] valid);
    logic [WayW:0] n;
    n = '0;
    for (int unsigned w = 0; w < Ways; w++) n = n + {{WayW{1'b0}}, valid[w]};
    used_slots = n;
  endfunction

  // Two 32-bit key words equal: by groups of three bit pairs, each group's compare one LUT6
  // (six inputs, all registers or block RAM outputs), and the eleven groups ANDed on a
  // carry chain, written as an increment whose carry out is set only when every group is
  // (a carry chain is a fixed structure the LUT mapper cannot deepen). So the compare after
  // the index RAM is one LUT and three CARRY4 (1.4 levels) however the mapper relaxes the
  // block's other paths; as `==` it came out 5 levels deep alone and 6 inside ipsec_ctrl, a
  // chain of LUTs through their fast inputs.
  function automatic logic word_eq(input logic [31:0] a, input logic [31:0] b);
    logic [10:0] grp, unused_sum;  // only the increment's carry out is wanted
    logic        carry;
    for (int unsigned j = 0; j < 10; j++) grp[j] = a[3*j +: 3] == b[3*j +: 3];
    grp[10] = a[31:30] == b[31:30];
    {carry, unused_sum} = {1'b0, grp} + 12'd1;
    word_eq = carry;
  endfunction

  // The bucket of `fold` (sadb_pkg::sa_fold_a/b) in the first or the second half.
  function automatic logic [BucketW-1:0] bucket_a(input logic [31:0] fold);
    logic [BucketW-1:0] idx;
    for (int unsigned i = 0; i < BucketW; i++) idx[i] = ^(fold & sadb_pkg::HashMixA[32*i +: 32]);
    bucket_a = idx;
  endfunction

  function automatic logic [BucketW-1:0] bucket_b(input logic [31:0] fold);
    logic [BucketW-1:0] idx;
    for (int unsigned i = 0; i < BucketW; i++) idx[i] = ^(fold & sadb_pkg::HashMixB[32*i +: 32]);
    bucket_b = idx;
  endfunction

  function automatic logic [PtrW-1:0] next_record(input logic [PtrW-1:0] p);
    next_record = (p == LastRecord) ? '0 : p + 1'b1;
  endfunction

  // ---------------------------------------------------------------------------------------
  // Write ports, shared by the copies (driven by the command side below).
  // ---------------------------------------------------------------------------------------
  logic                 row_we_a, row_we_b;
  logic [BucketW-1:0]   row_waddr_a, row_waddr_b;
  logic [RowW-1:0]      row_wdata_a, row_wdata_b;
  logic                 keymat_we, esn_we, rec_clear;
  logic [PtrW-1:0]      rec_waddr;
  logic                 lookup_on_q;  // the scrub is done: lookups may hit
  logic [EsnRecW-1:0]   esn_row;      // a record's ESN row as insert and modify write it

  // ---------------------------------------------------------------------------------------
  // Lookup ports: 0 = TX, 1 = RX.
  // ---------------------------------------------------------------------------------------
  for (genvar p = 0; p < 2; p++) begin : gen_lookup
    logic                        lkp_valid;
    logic [KeyW-1:0]             lkp_key;
    // A lookup by index (the TX port with PktOffload): its request, and the record it names
    // travelling beside the key lookup's stages (zero for a lookup by key).
    logic                        lkp_bi;
    logic [15:0]                 lkp_index;
    logic                        s4_bi, s4_bi_ok, s5_bi;
    logic [PtrW-1:0]             s4_bi_ptr, s5_bi_ptr;
    logic                        s6_bi;

    logic                        s1_valid_q, s2_valid_q, s3_valid_q;
    logic                        s4_valid_q, s5_valid_q, s6_valid_q;
    logic [KeyW-1:0]             s1_key_q, s2_key_q, s3_key_q;
    logic [31:0]                 s2_fold_a_q, s2_fold_b_q;
    logic [RowW-1:0]             s3_row_a, s3_row_b;
    // Slot i: i = w in the first half, Ways + w in the second.
    logic [2*Ways*KeyWords-1:0]  s4_eq_q;      // key word k of slot i equal: bit i*KeyWords + k
    logic [2*Ways-1:0]           s4_vld_q;
    logic [2*Ways*PtrW-1:0]      s4_ptr_q;     // record pointer of slot i: [i*PtrW +: PtrW]
    logic [2*Ways-1:0]           s5_match_q;   // at most one set
    logic [2*Ways*PtrW-1:0]      s5_ptr_q;     // the pointers, zero but the matching slot's
    logic                        s5_hit;
    logic [PtrW-1:0]             s5_ptr;
    logic                        s6_hit_q;
    logic                        s6_pkt;
    logic [15:0]                 s6_index;
    logic [KeyMatW-1:0]          s6_keymat_q;
    logic [EsnRecW-1:0]          s6_esn_q;     // with PktOffload, the mark on top

    // This port's copy of the record store, written with the others.
    logic [KeyMatW-1:0] keymat_mem [NumSa];
    logic [EsnRecW-1:0] esn_mem [NumSa];

    if (p == 0) begin : gen_tx
      assign lkp_valid      = tx_lkp_valid_i;
      assign lkp_key        = tx_lkp_key_i;
      assign lkp_bi         = PktOn && tx_lkp_by_index_i;
      assign lkp_index      = tx_lkp_index_i;
      assign tx_res_valid_o = s6_valid_q;
      if (PktOn) begin : gen_tx_rule
        // By key, a crypto SA's record; by index, a packet SA's (its mark read with it). A
        // record read that the rule refuses is a miss: zeros, as every miss.
        logic hit;
        assign hit            = s6_bi ? s6_pkt : s6_hit_q && !s6_pkt;
        assign tx_res_hit_o   = hit;
        assign tx_res_ctx_o   = {s6_keymat_q, s6_esn_q[EsnW-1:0]} & {CtxW{hit}};
        assign tx_res_pkt_o   = s6_pkt && hit;
        assign tx_res_index_o = s6_index & {16{hit}};
      end else begin : gen_tx_plain
        assign tx_res_hit_o   = s6_hit_q;
        assign tx_res_ctx_o   = {s6_keymat_q, s6_esn_q[EsnW-1:0]};
        assign tx_res_pkt_o   = s6_pkt;
        assign tx_res_index_o = s6_index;
      end
    end else begin : gen_rx
      assign lkp_valid      = rx_lkp_valid_i;
      assign lkp_key        = rx_lkp_key_i;
      assign lkp_bi         = 1'b0;
      assign lkp_index      = '0;
      assign rx_res_valid_o = s6_valid_q;
      assign rx_res_hit_o   = s6_hit_q;
      assign rx_res_ctx_o   = {s6_keymat_q, s6_esn_q[EsnW-1:0]};
      assign rx_res_pkt_o   = s6_pkt;
      assign rx_res_index_o = s6_index;
    end

    always_ff @(posedge clk_i or negedge rst_ni) begin
      if (!rst_ni) begin
        s1_valid_q <= 1'b0;
        s2_valid_q <= 1'b0;
        s3_valid_q <= 1'b0;
        s4_valid_q <= 1'b0;
        s5_valid_q <= 1'b0;
        s6_valid_q <= 1'b0;
      end else begin
        s1_valid_q <= lkp_valid;
        s2_valid_q <= s1_valid_q;
        s3_valid_q <= s2_valid_q;
        s4_valid_q <= s3_valid_q;
        s5_valid_q <= s4_valid_q;
        s6_valid_q <= s5_valid_q;
      end
    end

    // Clocks 1 and 2: the key; its two folds.
    always_ff @(posedge clk_i) begin
      if (lkp_valid) s1_key_q <= lkp_key;
      if (s1_valid_q) begin
        s2_key_q    <= s1_key_q;
        s2_fold_a_q <= sadb_pkg::sa_fold_a(s1_key_q);
        s2_fold_b_q <= sadb_pkg::sa_fold_b(s1_key_q);
      end
      if (s2_valid_q) s3_key_q <= s2_key_q;
    end

    // A lookup by index: the request and its record beside clocks 1 to 4, the record in
    // range checked on the way (NumSa need not be a power of two; one beyond it reads no
    // record: a miss).
    if (PktOn && p == 0) begin : gen_by_index
      logic            s1_bi_q, s2_bi_q, s3_bi_q, s4_bi_q, s2_ok_q, s3_ok_q, s4_ok_q;
      logic [15:0]     s1_index_q;
      logic [PtrW-1:0] s2_ptr_q, s3_ptr_q, s4_ptr_bi_q;
      always_ff @(posedge clk_i or negedge rst_ni) begin
        if (!rst_ni) begin
          s1_bi_q <= 1'b0;
          s2_bi_q <= 1'b0;
          s3_bi_q <= 1'b0;
          s4_bi_q <= 1'b0;
          s2_ok_q <= 1'b0;
          s3_ok_q <= 1'b0;
          s4_ok_q <= 1'b0;
        end else begin
          s1_bi_q <= lkp_valid && lkp_bi;
          s2_bi_q <= s1_bi_q;
          s3_bi_q <= s2_bi_q;
          s4_bi_q <= s3_bi_q;
          s2_ok_q <= s1_bi_q && s1_index_q < 16'(NumSa);
          s3_ok_q <= s2_ok_q;
          s4_ok_q <= s3_ok_q;
        end
      end
      always_ff @(posedge clk_i) begin
        if (lkp_valid) s1_index_q <= lkp_index;
        s2_ptr_q    <= PtrW'(s1_index_q);
        s3_ptr_q    <= s2_ptr_q;
        s4_ptr_bi_q <= s3_ptr_q;
      end
      assign s4_bi     = s4_bi_q;
      assign s4_bi_ok  = s4_ok_q;
      assign s4_bi_ptr = s4_ptr_bi_q;
    end else begin : gen_key_only
      assign s4_bi     = 1'b0;
      assign s4_bi_ok  = 1'b0;
      assign s4_bi_ptr = '0;
      logic unused_index;
      assign unused_index = ^{lkp_bi, lkp_index};
    end

    // Clock 3: both candidate buckets, each row one consistent snapshot of its slots.
    sdp_ram #(.Width(RowW), .Depth(NumBuckets)) u_idx_a (
      .clk_i,
      .we_i (row_we_a), .waddr_i (row_waddr_a), .wdata_i (row_wdata_a),
      .re_i (s2_valid_q), .raddr_i (bucket_a(s2_fold_a_q)), .rdata_o (s3_row_a)
    );
    sdp_ram #(.Width(RowW), .Depth(NumBuckets)) u_idx_b (
      .clk_i,
      .we_i (row_we_b), .waddr_i (row_waddr_b), .wdata_i (row_wdata_b),
      .re_i (s2_valid_q), .raddr_i (bucket_b(s2_fold_b_q)), .rdata_o (s3_row_b)
    );

    // Clock 4: each slot's key words compared with the key's.
    always_ff @(posedge clk_i) begin : p_compare
      if (s3_valid_q) begin
        for (int unsigned w = 0; w < Ways; w++) begin
          for (int unsigned k = 0; k + 1 < KeyWords; k++) begin
            s4_eq_q[w*KeyWords + k] <=
                word_eq(s3_row_a[w*SlotW + 32*k +: 32], s3_key_q[32*k +: 32]);
            s4_eq_q[(Ways + w)*KeyWords + k] <=
                word_eq(s3_row_b[w*SlotW + 32*k +: 32], s3_key_q[32*k +: 32]);
          end
          s4_eq_q[w*KeyWords + KeyWords - 1] <=
              s3_row_a[w*SlotW + LastAt +: LastW] == s3_key_q[LastAt +: LastW];
          s4_eq_q[(Ways + w)*KeyWords + KeyWords - 1] <=
              s3_row_b[w*SlotW + LastAt +: LastW] == s3_key_q[LastAt +: LastW];
          s4_vld_q[w]                      <= s3_row_a[w*SlotW + ValidAt];
          s4_vld_q[Ways + w]               <= s3_row_b[w*SlotW + ValidAt];
          s4_ptr_q[w*PtrW +: PtrW]         <= s3_row_a[w*SlotW + PtrAt +: PtrW];
          s4_ptr_q[(Ways + w)*PtrW +: PtrW] <= s3_row_b[w*SlotW + PtrAt +: PtrW];
        end
      end
    end

    // Clock 5: the matching slot (at most one: the table never inserts a key that is
    // already present) and its pointer; a lookup by index matches no slot, its record
    // beside them.
    always_ff @(posedge clk_i) begin : p_match
      logic m;
      if (s4_valid_q) begin
        for (int unsigned i = 0; i < 2 * Ways; i++) begin
          m = lookup_on_q && s4_vld_q[i] && &s4_eq_q[i*KeyWords +: KeyWords] && !s4_bi;
          s5_match_q[i]              <= m;
          s5_ptr_q[i*PtrW +: PtrW]   <= s4_ptr_q[i*PtrW +: PtrW] & {PtrW{m}};
        end
      end
    end

    // s5_bi: a record to read (in range, the scrub done); s6_bi: the result is a lookup
    // by index's, which the TX rule answers from the mark alone.
    if (PktOn && p == 0) begin : gen_by_index_5
      logic            s5_bi_q, s5_req_q, s6_bi_q;
      logic [PtrW-1:0] s5_bi_ptr_q;
      always_ff @(posedge clk_i or negedge rst_ni) begin
        if (!rst_ni) begin
          s5_bi_q  <= 1'b0;
          s5_req_q <= 1'b0;
          s6_bi_q  <= 1'b0;
        end else begin
          s5_bi_q  <= s4_valid_q && s4_bi_ok && lookup_on_q;
          s5_req_q <= s4_valid_q && s4_bi;
          s6_bi_q  <= s5_valid_q && s5_req_q;
        end
      end
      always_ff @(posedge clk_i) begin
        s5_bi_ptr_q <= s4_bi_ptr & {PtrW{s4_bi_ok}};
      end
      assign s5_bi     = s5_bi_q;
      assign s5_bi_ptr = s5_bi_ptr_q;
      assign s6_bi     = s6_bi_q;
    end else begin : gen_key_only_5
      assign s5_bi     = 1'b0;
      assign s5_bi_ptr = '0;
      assign s6_bi     = 1'b0;
      logic unused_bi;
      assign unused_bi = ^{s4_bi_ptr, s4_bi_ok, s6_bi};
    end

    // Clock 6: the record (the pointer an OR of the masked pointers, and a lookup by
    // index's record).
    always_comb begin
      s5_hit = |s5_match_q;
      s5_ptr = s5_bi_ptr;
      for (int unsigned i = 0; i < 2 * Ways; i++) s5_ptr = s5_ptr | s5_ptr_q[i*PtrW +: PtrW];
    end

    always_ff @(posedge clk_i) begin : p_read_record
      if (s5_valid_q && (s5_hit || s5_bi)) begin
        s6_keymat_q <= keymat_mem[s5_ptr];
        s6_esn_q    <= esn_mem[s5_ptr];
      end else begin
        // No hit: the read registers hold no record (a block RAM's output register reset),
        // so a miss returns zeros and no key stays here after its lookups
        // (docs/architecture.md, "Key hygiene").
        s6_keymat_q <= '0;
        s6_esn_q    <= '0;
      end
    end

    always_ff @(posedge clk_i or negedge rst_ni) begin
      if (!rst_ni) s6_hit_q <= 1'b0;
      else         s6_hit_q <= s5_valid_q && s5_hit;
    end

    // Packet offload: the mark read with the record, and the record's index (the pointer
    // that addressed it), zero on a miss as the record is.
    if (PktOn) begin : gen_mark
      logic [PtrW-1:0] s6_index_q;
      always_ff @(posedge clk_i) begin
        s6_index_q <= s5_valid_q && (s5_hit || s5_bi) ? s5_ptr : '0;
      end
      assign s6_pkt   = s6_esn_q[EsnRecW-1];
      assign s6_index = 16'(s6_index_q);
    end else begin : gen_no_mark
      assign s6_pkt   = 1'b0;
      assign s6_index = '0;
    end

    // The record copies' write port; data computed only on the clocks that write.
    always_ff @(posedge clk_i) begin
      if (keymat_we) keymat_mem[rec_waddr] <= rec_clear ? '0 : op_ctx_i[CtxW-1 -: KeyMatW];
      if (esn_we)    esn_mem[rec_waddr]    <= rec_clear ? '0 : esn_row;
    end
  end

  // ---------------------------------------------------------------------------------------
  // Command side
  // ---------------------------------------------------------------------------------------
  sadb_pkg::tbl_state_e state_q, state_d;
  logic [ScrubW-1:0]    scrub_q;
  logic                 scrub_rec;    // the scrub's clock writes a record
  logic [1:0]           del_wait_q;   // clocks spent in DelWait
  logic [PtrW-1:0]      free_rd_q, free_wr_q, free_head_q;
  logic [CntW-1:0]      free_cnt_q;
  logic                 free_pop, free_push;
  logic [PtrW-1:0]      free_mem [NumSa];

  logic [KeyW-1:0]      op_key_q;
  sadb_pkg::sa_op_e     op_kind_q;
  logic                 op_insert;
  logic [31:0]          op_fold_a_q, op_fold_b_q;
  logic [BucketW-1:0]   op_idx_a, op_idx_b, op_idx_a_q, op_idx_b_q;
  logic [RowW-1:0]      op_row_a, op_row_b;  // held from Read until the next Read

  // Match: slot i = w of the first half, Ways + w of the second.
  logic [2*Ways*KeyWords-1:0] mt_eq_q;
  logic [2*Ways-1:0]    mt_vld_q;
  logic [WayW:0]        mt_free_a_q, mt_free_b_q;  // {full, first free slot}
  logic [WayW:0]        mt_used_a_q, mt_used_b_q;  // slots in use in each half
  // Find.
  logic [2*Ways-1:0]    fd_match_q;                // the slot holding the key
  logic [WayW:0]        fd_free_a_q, fd_free_b_q;
  logic                 fd_ins_a_q;

  // The decision, registered in Decide.
  logic                 dec_hit_q;     // the key is in the table ...
  logic [PtrW-1:0]      dec_ptr_q;     // ... with this record
  logic [Ways-1:0]      dec_mask_a_q;  // the slot a delete zeroes or an insert fills
  logic [Ways-1:0]      dec_mask_b_q;
  logic                 dec_any_a_q, dec_any_b_q;  // a slot of that half is written
  logic                 dec_full_q;    // both buckets are full
  logic                 dec_noroom_q;  // no free record
  logic                 dec_pkt;       // PktOffload: the record's mark (read in Apply)

  logic                 op_write;      // Apply writes the rows of op_idx_*_q
  logic                 free_we;
  logic [PtrW-1:0]      free_waddr, free_wdata;

  assign op_insert = op_kind_q == sadb_pkg::SaOpInsert;

  // Packet offload: an insert's mark, registered with its key, written with the record into
  // the ESN rows and the command side's mark_mem (a modify writes 0 there: it runs only on a
  // crypto SA); mark_mem read at the decided record in Apply and held after it (Modify,
  // DelWait, DelClear read it).
  if (PktOn) begin : gen_marks
    logic op_pkt_q;
    logic mark_d;  // the record's mark as insert (op_pkt_i) and modify (0) write it
    always_ff @(posedge clk_i) begin
      if (state_q == sadb_pkg::TblIdle && op_req_i) op_pkt_q <= op_pkt_i;
    end
    assign mark_d = op_insert && op_pkt_q;
    sdp_ram #(.Width(1), .Depth(1 << PtrW)) u_mark_mem (
      .clk_i,
      .we_i (keymat_we), .waddr_i (rec_waddr), .wdata_i (!rec_clear && mark_d),
      .re_i (state_q == sadb_pkg::TblApply), .raddr_i (dec_ptr_q), .rdata_o (dec_pkt)
    );
    assign esn_row = {mark_d, op_ctx_i[EsnW-1:0]};
  end else begin : gen_no_marks
    logic unused_op_pkt;
    assign unused_op_pkt = op_pkt_i;
    assign dec_pkt       = 1'b0;
    assign esn_row       = op_ctx_i[EsnW-1:0];
  end

  always_ff @(posedge clk_i) begin : p_op_key
    if (state_q == sadb_pkg::TblIdle && op_req_i) begin
      op_key_q  <= op_key_i;
      op_kind_q <= op_kind_i;
    end
    if (state_q == sadb_pkg::TblFold) begin
      op_fold_a_q <= sadb_pkg::sa_fold_a(op_key_q);
      op_fold_b_q <= sadb_pkg::sa_fold_b(op_key_q);
    end
    if (state_q == sadb_pkg::TblRead) begin
      op_idx_a_q <= op_idx_a;
      op_idx_b_q <= op_idx_b;
    end
  end

  assign op_idx_a = bucket_a(op_fold_a_q);
  assign op_idx_b = bucket_b(op_fold_b_q);

  // The command side's copy of the index.
  sdp_ram #(.Width(RowW), .Depth(NumBuckets)) u_op_idx_a (
    .clk_i,
    .we_i (row_we_a), .waddr_i (row_waddr_a), .wdata_i (row_wdata_a),
    .re_i (state_q == sadb_pkg::TblRead), .raddr_i (op_idx_a), .rdata_o (op_row_a)
  );
  sdp_ram #(.Width(RowW), .Depth(NumBuckets)) u_op_idx_b (
    .clk_i,
    .we_i (row_we_b), .waddr_i (row_waddr_b), .wdata_i (row_wdata_b),
    .re_i (state_q == sadb_pkg::TblRead), .raddr_i (op_idx_b), .rdata_o (op_row_b)
  );

  always_ff @(posedge clk_i) begin : p_op_match
    logic [Ways-1:0] vld_a, vld_b;
    if (state_q == sadb_pkg::TblMatch) begin
      for (int unsigned w = 0; w < Ways; w++) begin
        for (int unsigned k = 0; k + 1 < KeyWords; k++) begin
          mt_eq_q[w*KeyWords + k] <=
              word_eq(op_row_a[w*SlotW + 32*k +: 32], op_key_q[32*k +: 32]);
          mt_eq_q[(Ways + w)*KeyWords + k] <=
              word_eq(op_row_b[w*SlotW + 32*k +: 32], op_key_q[32*k +: 32]);
        end
        mt_eq_q[w*KeyWords + KeyWords - 1] <=
            op_row_a[w*SlotW + LastAt +: LastW] == op_key_q[LastAt +: LastW];
        mt_eq_q[(Ways + w)*KeyWords + KeyWords - 1] <=
            op_row_b[w*SlotW + LastAt +: LastW] == op_key_q[LastAt +: LastW];
        vld_a[w] = op_row_a[w*SlotW + ValidAt];
        vld_b[w] = op_row_b[w*SlotW + ValidAt];
      end
      mt_vld_q    <= {vld_b, vld_a};
      mt_free_a_q <= free_slot(vld_a);
      mt_free_b_q <= free_slot(vld_b);
      mt_used_a_q <= used_slots(vld_a);
      mt_used_b_q <= used_slots(vld_b);
    end
  end

  always_ff @(posedge clk_i) begin : p_op_find
    if (state_q == sadb_pkg::TblFind) begin
      for (int unsigned i = 0; i < 2 * Ways; i++) begin
        fd_match_q[i] <= mt_vld_q[i] && &mt_eq_q[i*KeyWords +: KeyWords];
      end
      fd_free_a_q <= mt_free_a_q;
      fd_free_b_q <= mt_free_b_q;
      // Insert into the first half unless the second has fewer slots in use: the counts
      // registered in Match, compared here (a count and a compare after the RAM read were
      // 3.6 levels alone, 5.1 relaxed inside the engine).
      fd_ins_a_q  <= mt_used_a_q <= mt_used_b_q;
    end
  end

  always_ff @(posedge clk_i) begin : p_op_decide
    logic [PtrW-1:0] ptr;
    logic [Ways-1:0] mask_a, mask_b;
    if (state_q == sadb_pkg::TblDecide) begin
      ptr = '0;
      for (int unsigned w = 0; w < Ways; w++) begin
        ptr = ptr | (op_row_a[w*SlotW + PtrAt +: PtrW] & {PtrW{fd_match_q[w]}})
                  | (op_row_b[w*SlotW + PtrAt +: PtrW] & {PtrW{fd_match_q[Ways + w]}});
      end
      if (op_insert) begin
        for (int unsigned w = 0; w < Ways; w++) begin
          mask_a[w] = fd_ins_a_q && fd_free_a_q[WayW-1:0] == w[WayW-1:0];
          mask_b[w] = !fd_ins_a_q && fd_free_b_q[WayW-1:0] == w[WayW-1:0];
        end
      end else begin
        mask_a = fd_match_q[Ways-1:0];
        mask_b = fd_match_q[2*Ways-1:Ways];
      end
      dec_hit_q    <= |fd_match_q;
      dec_ptr_q    <= ptr;
      dec_mask_a_q <= mask_a;
      dec_mask_b_q <= mask_b;
      dec_any_a_q  <= |mask_a;
      dec_any_b_q  <= |mask_b;
      dec_full_q   <= fd_free_a_q[WayW] && fd_free_b_q[WayW];
      dec_noroom_q <= free_cnt_q == '0;
    end
  end

  always_comb begin
    state_d     = state_q;
    op_ack_o    = 1'b0;
    op_status_o = sadb_pkg::SaOk;
    op_write    = 1'b0;
    keymat_we   = 1'b0;
    esn_we      = 1'b0;
    rec_clear   = 1'b0;
    rec_waddr   = free_head_q;
    free_we     = 1'b0;
    free_waddr  = free_wr_q;
    free_wdata  = dec_ptr_q;
    free_pop    = 1'b0;
    free_push   = 1'b0;

    unique case (state_q)
      sadb_pkg::TblScrub: begin
        keymat_we  = scrub_rec;
        esn_we     = scrub_rec;
        rec_clear  = 1'b1;
        rec_waddr  = PtrW'(scrub_q);
        free_we    = scrub_rec;
        free_waddr = PtrW'(scrub_q);
        free_wdata = PtrW'(scrub_q);
        if (scrub_q == LastScrub) state_d = sadb_pkg::TblIdle;
      end

      sadb_pkg::TblIdle: begin
        if (op_req_i) state_d = sadb_pkg::TblFold;
      end

      sadb_pkg::TblFold: begin
        state_d = sadb_pkg::TblRead;
      end

      sadb_pkg::TblRead: begin
        state_d = sadb_pkg::TblMatch;
      end

      sadb_pkg::TblMatch: begin
        state_d = sadb_pkg::TblFind;
      end

      sadb_pkg::TblFind: begin
        state_d = sadb_pkg::TblDecide;
      end

      sadb_pkg::TblDecide: begin
        state_d = sadb_pkg::TblApply;
      end

      sadb_pkg::TblApply: begin
        state_d = sadb_pkg::TblIdle;
        unique case (op_kind_q)
          sadb_pkg::SaOpInsert: begin
            op_ack_o = 1'b1;
            if (dec_hit_q) begin
              op_status_o = sadb_pkg::SaDuplicate;
            end else if (dec_noroom_q) begin
              op_status_o = sadb_pkg::SaNoRoom;
            end else if (dec_full_q) begin
              op_status_o = sadb_pkg::SaBucketFull;
            end else begin
              // Record and index row on the same edge, into a record nothing points to.
              keymat_we = 1'b1;
              esn_we    = 1'b1;
              op_write  = 1'b1;
              free_pop  = 1'b1;
            end
          end
          sadb_pkg::SaOpDelete: begin
            if (dec_hit_q) begin
              // Invalidate now; zero the record once lookups in flight have read it.
              op_write = 1'b1;
              state_d  = sadb_pkg::TblDelWait;
            end else begin
              op_ack_o    = 1'b1;
              op_status_o = sadb_pkg::SaNotFound;
            end
          end
          sadb_pkg::SaOpModify: begin
            if (!dec_hit_q) begin
              op_ack_o    = 1'b1;
              op_status_o = sadb_pkg::SaNotFound;
            end else if (PktOn) begin
              state_d = sadb_pkg::TblModify;  // the record's mark decides
            end else begin
              op_ack_o  = 1'b1;
              esn_we    = 1'b1;  // one row: a lookup sees all old or all new ESN state
              rec_waddr = dec_ptr_q;
            end
          end
          default: begin
            op_ack_o    = 1'b1;
            op_status_o = sadb_pkg::SaNotFound;
          end
        endcase
      end

      // Packet offload: a modify of a packet SA is refused (packet section P2), else as above.
      sadb_pkg::TblModify: begin
        op_ack_o = 1'b1;
        state_d  = sadb_pkg::TblIdle;
        if (dec_pkt) begin
          op_status_o = sadb_pkg::SaPacketSa;
        end else begin
          esn_we    = 1'b1;
          rec_waddr = dec_ptr_q;
        end
      end

      // A lookup that read the row before Apply's write (at the latest on that edge) reads
      // the record three edges later; DelClear writes four edges later.
      sadb_pkg::TblDelWait: begin
        if (del_wait_q == 2'd2) state_d = sadb_pkg::TblDelClear;
      end

      sadb_pkg::TblDelClear: begin
        keymat_we = 1'b1;
        esn_we    = 1'b1;
        rec_clear = 1'b1;
        rec_waddr = dec_ptr_q;
        free_we   = 1'b1;
        free_push = 1'b1;
        op_ack_o  = 1'b1;
        state_d   = sadb_pkg::TblIdle;
      end

      default: begin
        state_d = sadb_pkg::TblScrub;
      end
    endcase
  end

  assign scrub_rec = 32'(scrub_q) < NumSa;

  // The index rows' write ports: the scrub zeroes a row a clock; Apply writes the row read
  // in Read back with the masked slot replaced (insert: valid, the new record, the key) or
  // zeroed (delete). Whole rows: a block RAM with no slot enables.
  always_comb begin
    row_we_a    = state_q == sadb_pkg::TblScrub || (op_write && dec_any_a_q);
    row_we_b    = state_q == sadb_pkg::TblScrub || (op_write && dec_any_b_q);
    row_waddr_a = state_q == sadb_pkg::TblScrub ? BucketW'(scrub_q) : op_idx_a_q;
    row_waddr_b = state_q == sadb_pkg::TblScrub ? BucketW'(scrub_q) : op_idx_b_q;
    // The row as read, then the masked slot replaced: the same function as a select per
    // slot, but a Verilated model, which evaluates this block on every clock, copies the row
    // and touches the one masked slot instead of cutting all 16 slots out of the rows and
    // back in (5 % of the engine's simulation time).
    row_wdata_a = op_row_a;
    row_wdata_b = op_row_b;
    for (int unsigned w = 0; w < Ways; w++) begin
      if (dec_mask_a_q[w]) begin
        row_wdata_a[w*SlotW +: SlotW] = op_insert ? {1'b1, free_head_q, op_key_q} : '0;
      end
      if (dec_mask_b_q[w]) begin
        row_wdata_b[w*SlotW +: SlotW] = op_insert ? {1'b1, free_head_q, op_key_q} : '0;
      end
    end
    if (state_q == sadb_pkg::TblScrub) begin
      row_wdata_a = '0;
      row_wdata_b = '0;
    end
  end

  always_ff @(posedge clk_i) begin
    if (free_we) free_mem[free_waddr] <= free_wdata;
    free_head_q <= free_mem[free_rd_q];
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      state_q     <= sadb_pkg::TblScrub;
      scrub_q     <= '0;
      del_wait_q  <= '0;
      lookup_on_q <= 1'b0;
      free_rd_q   <= '0;
      free_wr_q   <= '0;
      free_cnt_q  <= '0;
    end else begin
      state_q     <= state_d;
      del_wait_q  <= state_q == sadb_pkg::TblDelWait ? del_wait_q + 1'b1 : '0;
      lookup_on_q <= state_q != sadb_pkg::TblScrub;  // a clock after the last row's scrub
      if (state_q == sadb_pkg::TblScrub) begin
        scrub_q <= scrub_q + 1'b1;
        if (scrub_q == LastScrub) free_cnt_q <= AllRecords;
      end
      if (free_pop) begin
        free_rd_q  <= next_record(free_rd_q);
        free_cnt_q <= free_cnt_q - 1'b1;
      end
      if (free_push) begin
        free_wr_q  <= next_record(free_wr_q);
        free_cnt_q <= free_cnt_q + 1'b1;
      end
    end
  end

  assign ready_o = state_q != sadb_pkg::TblScrub;

  // The ack's record: an insert's is the free list's head it wrote (Apply), a delete's the
  // record it frees (DelClear).
  logic [PtrW-1:0] op_record;
  assign op_record  = op_insert ? free_head_q : dec_ptr_q;
  assign op_index_o = PktOn ? 16'(op_record) : '0;
  assign op_pkt_o   = dec_pkt;

endmodule
