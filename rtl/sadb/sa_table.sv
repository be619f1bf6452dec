// The SA table: up to NumSa security associations, found by their match key on two fully
// pipelined lookup ports (TX and RX: one lookup per clock each, result LookupLatency = 2
// clocks later), and changed one operation at a time by the command executor.
//
// Structure
// - Record store: NumSa records, each the SA's context in two rows (keymat_mem: key,
//   key256, salt, handle; esn_mem: the ESN state MOD_SA_V2 rewrites). Free records are
//   kept in a FIFO free list, so exactly NumSa SAs fit and the (NumSa+1)-th insert fails.
// - Index: d-left hashing with d = 2 (Voecking). Two halves, each NumBuckets buckets of
//   Ways = 8 slots; a slot holds the whole key and a record pointer, so a lookup compares
//   full keys and never confuses two SAs. Slots: 2 x NumBuckets x 8 = 4 x NumSa (NumSa a
//   power of two; more otherwise). The hashes of sadb_pkg give a key's bucket in each
//   half; an insert takes the less loaded of the two (ties: the first half).
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
// Consistency with the lookups. A lookup reads the valid bits and both bucket rows in one
// clock and the record the next. An insert writes the record and the index slot (and sets
// the slot's valid bit) on the same clock edge, into a record no valid slot points to. A
// delete clears the valid bit first and zeroes the record two clocks later, after any
// lookup that saw the slot valid has read it. A modify rewrites the ESN row in one write.
// So a lookup sees an SA entirely before or entirely after each change.
//
// Key material. Every record is zeroed by a scrub after reset (NumSa clocks; the valid
// bits are reset flops, so nothing matches meanwhile; ready_o is low and operations wait)
// and when its SA is deleted. A lookup that misses returns an all-zero context.
//
// Command side: op_req_i is held, with op_kind_i/op_key_i/op_ctx_i stable, until op_ack_o
// (one clock, with op_status_o). Insert and modify take 3 clocks, delete 5.
//
// Simulation speed: the wide comparisons and the hashes sit inside the clocked blocks,
// under the enables of their stage, so a Verilated model evaluates them only on the clocks
// that use them (an always_comb is evaluated on every clock); wide values are not passed
// to functions (a simulator zeroes function locals on every evaluation of the caller).
module sa_table #(
  parameter int unsigned NumSa = 1024  // 1 .. 65535
) (
  input  logic                   clk_i,
  input  logic                   rst_ni,

  // TX lookup port (the encrypt pipeline).
  input  logic                   tx_lkp_valid_i,
  input  sadb_pkg::sa_key_t      tx_lkp_key_i,
  output logic                   tx_res_valid_o,
  output logic                   tx_res_hit_o,
  output sadb_pkg::sa_ctx_t      tx_res_ctx_o,   // zero on a miss

  // RX lookup port (the decrypt pipeline).
  input  logic                   rx_lkp_valid_i,
  input  sadb_pkg::sa_key_t      rx_lkp_key_i,
  output logic                   rx_res_valid_o,
  output logic                   rx_res_hit_o,
  output sadb_pkg::sa_ctx_t      rx_res_ctx_o,   // zero on a miss

  // Command side.
  output logic                   ready_o,        // the scrub after reset is done
  input  logic                   op_req_i,
  input  sadb_pkg::sa_op_e       op_kind_i,
  input  sadb_pkg::sa_key_t      op_key_i,
  input  sadb_pkg::sa_ctx_t      op_ctx_i,       // insert: all of it; modify: the ESN fields
  output logic                   op_ack_o,
  output sadb_pkg::sa_status_e   op_status_o
);

  localparam int unsigned Ways       = sadb_pkg::IndexWays;  // a power of two
  localparam int unsigned WayW       = $clog2(Ways);
  localparam int unsigned PtrW       = NumSa > 1 ? $clog2(NumSa) : 1;
  localparam int unsigned CntW       = $clog2(NumSa + 1);
  localparam int unsigned BucketW    = PtrW > 3 ? PtrW - 2 : 1;  // at most 16
  localparam int unsigned NumBuckets = 1 << BucketW;
  localparam int unsigned KeyW       = sadb_pkg::SaKeyW;
  // A slot is {record pointer, key}, padded to whole 32-bit words so that a simulator
  // compares the key word by word (320 bits for NumSa <= 2^30).
  localparam int unsigned SlotW      = (KeyW + PtrW + 31) / 32 * 32;
  localparam int unsigned RowW       = Ways * SlotW;             // slot w in [w*SlotW +: SlotW]
  localparam int unsigned KeyMatW    = sadb_pkg::SaKeyMatW;
  localparam int unsigned EsnW       = sadb_pkg::SaEsnW;
  localparam int unsigned CtxW       = sadb_pkg::SaCtxW;

  localparam logic [PtrW-1:0] LastRecord = PtrW'(NumSa - 1);
  localparam logic [CntW-1:0] AllRecords = CntW'(NumSa);

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
  // Storage. Memories have no reset; the slot valid bits do.
  // ---------------------------------------------------------------------------------------
  logic [RowW-1:0]            idx_a_mem [NumBuckets];
  logic [RowW-1:0]            idx_b_mem [NumBuckets];
  logic [NumBuckets*Ways-1:0] vld_a_q, vld_b_q;       // bit {bucket, way}
  logic [KeyMatW-1:0]         keymat_mem [NumSa];     // read by tests through a public view
  logic [EsnW-1:0]            esn_mem [NumSa];
  logic [PtrW-1:0]            free_mem [NumSa];

  // ---------------------------------------------------------------------------------------
  // Lookup ports: 0 = TX, 1 = RX.
  //   clock 0: hash the key, read both candidate buckets and their valid bits;
  //   clock 1: compare the 2 x Ways slots with the key, read the hit slot's record;
  //   clock 2: the result.
  // ---------------------------------------------------------------------------------------
  for (genvar p = 0; p < 2; p++) begin : gen_lookup
    logic               lkp_valid;
    sadb_pkg::sa_key_t  lkp_key;

    logic               s1_valid_q;
    sadb_pkg::sa_key_t  s1_key_q;
    logic [31:0]        s1_spi;  // (a member select here trips Yosys 0.23 in a generate block)
    logic [RowW-1:0]    s1_row_a_q, s1_row_b_q;
    logic [Ways-1:0]    s1_vld_a_q, s1_vld_b_q;

    logic               s2_valid_q, s2_hit_q;
    logic [KeyMatW-1:0] s2_keymat_q;
    logic [EsnW-1:0]    s2_esn_q;
    logic               res_hit;
    logic [CtxW-1:0]    res_ctx;

    if (p == 0) begin : gen_tx
      assign lkp_valid      = tx_lkp_valid_i;
      assign lkp_key        = tx_lkp_key_i;
      assign tx_res_valid_o = s2_valid_q;
      assign tx_res_hit_o   = res_hit;
      assign tx_res_ctx_o   = res_ctx;
    end else begin : gen_rx
      assign lkp_valid      = rx_lkp_valid_i;
      assign lkp_key        = rx_lkp_key_i;
      assign rx_res_valid_o = s2_valid_q;
      assign rx_res_hit_o   = res_hit;
      assign rx_res_ctx_o   = res_ctx;
    end

    // The valid bits and the rows are read on the same clock edge: one consistent snapshot.
    always_ff @(posedge clk_i) begin : p_read_buckets
      logic [BucketW-1:0] idx_a, idx_b;
      if (lkp_valid) begin
        idx_a = bucket_a(sadb_pkg::sa_fold_a(lkp_key));
        idx_b = bucket_b(sadb_pkg::sa_fold_b(lkp_key));
        s1_key_q   <= lkp_key;
        s1_row_a_q <= idx_a_mem[idx_a];
        s1_row_b_q <= idx_b_mem[idx_b];
        s1_vld_a_q <= vld_a_q[{idx_a, {WayW{1'b0}}} +: Ways];
        s1_vld_b_q <= vld_b_q[{idx_b, {WayW{1'b0}}} +: Ways];
      end
    end

    assign s1_spi = s1_key_q[31:0];

    // At most one slot matches: the table never inserts a key that is already present.
    always_ff @(posedge clk_i) begin : p_read_record
      logic            hit;
      logic [PtrW-1:0] ptr;
      if (s1_valid_q) begin
        hit = 1'b0;
        ptr = '0;
        // Nested tests (valid, then the SPI word, then the whole key) let a simulator skip
        // most of the comparison work; the logic is the same.
        for (int unsigned w = 0; w < Ways; w++) begin
          if (s1_vld_a_q[w] && s1_row_a_q[w*SlotW +: 32] == s1_spi) begin
            if (s1_row_a_q[w*SlotW +: KeyW] == s1_key_q) begin
              hit = 1'b1;
              ptr = s1_row_a_q[w*SlotW + KeyW +: PtrW];
            end
          end
          if (s1_vld_b_q[w] && s1_row_b_q[w*SlotW +: 32] == s1_spi) begin
            if (s1_row_b_q[w*SlotW +: KeyW] == s1_key_q) begin
              hit = 1'b1;
              ptr = s1_row_b_q[w*SlotW + KeyW +: PtrW];
            end
          end
        end
        s2_hit_q    <= hit;
        s2_keymat_q <= keymat_mem[ptr];
        s2_esn_q    <= esn_mem[ptr];
      end else begin
        // No lookup: the read register holds no record (a block RAM's output register reset),
        // so no key stays here after its lookups (docs/architecture.md, "Key hygiene").
        s2_keymat_q <= '0;
      end
    end

    always_ff @(posedge clk_i or negedge rst_ni) begin
      if (!rst_ni) begin
        s1_valid_q <= 1'b0;
        s2_valid_q <= 1'b0;
      end else begin
        s1_valid_q <= lkp_valid;
        s2_valid_q <= s1_valid_q;
      end
    end

    // A miss returns an all-zero context.
    assign res_hit = s2_valid_q && s2_hit_q;
    assign res_ctx = res_hit ? {s2_keymat_q, s2_esn_q} : '0;
  end

  // ---------------------------------------------------------------------------------------
  // Command side
  //   Idle:   on a request, read the key's two buckets (as a lookup does);
  //   Decide: find the key in them, and the insert position (d-left: the less loaded
  //           bucket, the first half on a tie);
  //   Apply:  write, or for a delete invalidate the slot, then DelWait, DelClear.
  // ---------------------------------------------------------------------------------------
  sadb_pkg::tbl_state_e state_q, state_d;
  logic [PtrW-1:0]      scrub_q;
  logic [PtrW-1:0]      free_rd_q, free_wr_q, free_head_q;
  logic [CntW-1:0]      free_cnt_q;
  logic                 free_pop, free_push;

  logic [BucketW-1:0]   op_idx_a_q, op_idx_b_q;
  logic [RowW-1:0]      op_row_a_q, op_row_b_q;
  logic [Ways-1:0]      op_vld_a_q, op_vld_b_q;

  // The decision, registered in Decide.
  logic                 dec_hit_q;     // the key is in the table ...
  logic                 dec_half_a_q;  // ... in the first half (else the second)
  logic [WayW-1:0]      dec_way_q;     // ... in this slot
  logic [PtrW-1:0]      dec_ptr_q;     // ... with this record
  logic                 dec_ins_a_q;   // insert into the first half
  logic [WayW-1:0]      dec_ins_way_q; // into this slot
  logic                 dec_full_q;    // both buckets are full

  // Write ports.
  logic                 row_we_a, row_we_b;
  logic                 vld_we_a, vld_we_b, vld_wdata;
  logic [WayW-1:0]      vld_way;
  logic                 keymat_we, esn_we, rec_clear;
  logic [PtrW-1:0]      rec_waddr;
  logic                 free_we;
  logic [PtrW-1:0]      free_waddr, free_wdata;

  always_ff @(posedge clk_i) begin : p_op_read
    logic [BucketW-1:0] idx_a, idx_b;
    if (state_q == sadb_pkg::TblIdle && op_req_i) begin
      idx_a = bucket_a(sadb_pkg::sa_fold_a(op_key_i));
      idx_b = bucket_b(sadb_pkg::sa_fold_b(op_key_i));
      op_idx_a_q <= idx_a;
      op_idx_b_q <= idx_b;
      op_row_a_q <= idx_a_mem[idx_a];
      op_row_b_q <= idx_b_mem[idx_b];
      op_vld_a_q <= vld_a_q[{idx_a, {WayW{1'b0}}} +: Ways];
      op_vld_b_q <= vld_b_q[{idx_b, {WayW{1'b0}}} +: Ways];
    end
    free_head_q <= free_mem[free_rd_q];
  end

  always_ff @(posedge clk_i) begin : p_op_decide
    logic [WayW:0] free_a, free_b;
    logic          ins_a;
    if (state_q == sadb_pkg::TblDecide) begin
      dec_hit_q    <= 1'b0;
      dec_half_a_q <= 1'b0;
      dec_way_q    <= '0;
      dec_ptr_q    <= '0;
      for (int unsigned w = 0; w < Ways; w++) begin
        if (op_vld_a_q[w] && op_row_a_q[w*SlotW +: 32] == op_key_i.spi) begin
          if (op_row_a_q[w*SlotW +: KeyW] == op_key_i) begin
            dec_hit_q    <= 1'b1;
            dec_half_a_q <= 1'b1;
            dec_way_q    <= w[WayW-1:0];
            dec_ptr_q    <= op_row_a_q[w*SlotW + KeyW +: PtrW];
          end
        end
        if (op_vld_b_q[w] && op_row_b_q[w*SlotW +: 32] == op_key_i.spi) begin
          if (op_row_b_q[w*SlotW +: KeyW] == op_key_i) begin
            dec_hit_q    <= 1'b1;
            dec_way_q    <= w[WayW-1:0];
            dec_ptr_q    <= op_row_b_q[w*SlotW + KeyW +: PtrW];
          end
        end
      end
      free_a = free_slot(op_vld_a_q);
      free_b = free_slot(op_vld_b_q);
      ins_a  = used_slots(op_vld_a_q) <= used_slots(op_vld_b_q);
      dec_ins_a_q   <= ins_a;
      dec_ins_way_q <= ins_a ? free_a[WayW-1:0] : free_b[WayW-1:0];
      dec_full_q    <= free_a[WayW] && free_b[WayW];
    end
  end

  always_comb begin
    state_d     = state_q;
    op_ack_o    = 1'b0;
    op_status_o = sadb_pkg::SaOk;
    row_we_a    = 1'b0;
    row_we_b    = 1'b0;
    vld_we_a    = 1'b0;
    vld_we_b    = 1'b0;
    vld_wdata   = 1'b0;
    vld_way     = dec_ins_way_q;
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
        keymat_we  = 1'b1;
        esn_we     = 1'b1;
        rec_clear  = 1'b1;
        rec_waddr  = scrub_q;
        free_we    = 1'b1;
        free_waddr = scrub_q;
        free_wdata = scrub_q;
        if (scrub_q == LastRecord) state_d = sadb_pkg::TblIdle;
      end

      sadb_pkg::TblIdle: begin
        if (op_req_i) state_d = sadb_pkg::TblDecide;
      end

      sadb_pkg::TblDecide: begin
        state_d = sadb_pkg::TblApply;
      end

      sadb_pkg::TblApply: begin
        state_d = sadb_pkg::TblIdle;
        unique case (op_kind_i)
          sadb_pkg::SaOpInsert: begin
            op_ack_o = 1'b1;
            if (dec_hit_q) begin
              op_status_o = sadb_pkg::SaDuplicate;
            end else if (free_cnt_q == '0) begin
              op_status_o = sadb_pkg::SaNoRoom;
            end else if (dec_full_q) begin
              op_status_o = sadb_pkg::SaBucketFull;
            end else begin
              // Record and index slot on the same edge, into a record nothing points to.
              keymat_we = 1'b1;
              esn_we    = 1'b1;
              row_we_a  = dec_ins_a_q;
              row_we_b  = !dec_ins_a_q;
              vld_we_a  = dec_ins_a_q;
              vld_we_b  = !dec_ins_a_q;
              vld_wdata = 1'b1;
              free_pop  = 1'b1;
            end
          end
          sadb_pkg::SaOpDelete: begin
            if (dec_hit_q) begin
              // Invalidate now; zero the record once lookups in flight have read it.
              vld_we_a = dec_half_a_q;
              vld_we_b = !dec_half_a_q;
              vld_way  = dec_way_q;
              state_d  = sadb_pkg::TblDelWait;
            end else begin
              op_ack_o    = 1'b1;
              op_status_o = sadb_pkg::SaNotFound;
            end
          end
          sadb_pkg::SaOpModify: begin
            op_ack_o = 1'b1;
            if (dec_hit_q) begin
              esn_we    = 1'b1;  // one row: a lookup sees all old or all new ESN state
              rec_waddr = dec_ptr_q;
            end else begin
              op_status_o = sadb_pkg::SaNotFound;
            end
          end
          default: begin
            op_ack_o    = 1'b1;
            op_status_o = sadb_pkg::SaNotFound;
          end
        endcase
      end

      sadb_pkg::TblDelWait: begin
        state_d = sadb_pkg::TblDelClear;
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

  // Memory writes; their data is computed only on the clocks that write.
  always_ff @(posedge clk_i) begin
    // Only the new slot of the row is written (a write port with slot enables).
    if (row_we_a) idx_a_mem[op_idx_a_q][dec_ins_way_q*SlotW +: SlotW] <= SlotW'({free_head_q, op_key_i});
    if (row_we_b) idx_b_mem[op_idx_b_q][dec_ins_way_q*SlotW +: SlotW] <= SlotW'({free_head_q, op_key_i});
    if (keymat_we) keymat_mem[rec_waddr] <= rec_clear ? '0 : op_ctx_i[CtxW-1 -: KeyMatW];
    if (esn_we)    esn_mem[rec_waddr]    <= rec_clear ? '0 : op_ctx_i[EsnW-1:0];
    if (free_we)   free_mem[free_waddr]  <= free_wdata;
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      vld_a_q <= '0;
      vld_b_q <= '0;
    end else begin
      if (vld_we_a) vld_a_q[{op_idx_a_q, vld_way}] <= vld_wdata;
      if (vld_we_b) vld_b_q[{op_idx_b_q, vld_way}] <= vld_wdata;
    end
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      state_q    <= sadb_pkg::TblScrub;
      scrub_q    <= '0;
      free_rd_q  <= '0;
      free_wr_q  <= '0;
      free_cnt_q <= '0;
    end else begin
      state_q <= state_d;
      if (state_q == sadb_pkg::TblScrub) begin
        scrub_q <= next_record(scrub_q);
        if (scrub_q == LastRecord) free_cnt_q <= AllRecords;
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

endmodule
