// Lifetimes of the packet SAs (docs/packet_offload.md, packet sections P3, P4, P5, P6 and
// P8): per SA index, the 64-bit counters of P5 and the four limits of P2, the check of each
// frame against the limits, and the event queue of P6. One unit for both directions (an SA
// is one direction: the two never touch one SA's state), beside esp_tx_pkt_encap, esp_rx_replay
// and esp_rx_decap.
//
// Ports:
//  - init (the SA command executor): at ADD_SA_PKT the index, `init_sa_i` 1, the direction,
//    the handle and the four limits (all ones for none): the SA's counters and fired events
//    cleared and its limits set, in one write. With `init_sa_i` 0 the index holds no packet
//    SA (DEL_SA_V2, or a crypto SA added there): its counters read zero and its ops do
//    nothing. Taken on even clocks (`init_ready_o`, a register function: a wait of at most
//    one clock) and written on the clock it is taken.
//  - tx_* and rx_*, one op port per direction: an op is OpCheck (a frame to send, from the
//    encapsulator's decision; a frame to deliver, from the decapsulator's lifetime sideband),
//    with the frame's IP packet bytes (P3: the IP length as the host sent it; P4: the
//    restored or inner packet as delivered), or a drop count: TX OpDropA seq_exhausted
//    (P3: raises kind 5 once and ends the SA); RX OpDropA replay_window, OpDropB replay,
//    OpDropC integrity_failed. OpLatency (6) clocks after the op's clock, `*_ans_valid_o`
//    for an OpCheck, with `*_ans_pass_o`: 1 send / deliver, 0 drop; on RX for a drop count
//    too, `rx_ans_pass_o` 1 when it was counted (a live RX packet SA: the RX pipeline counts
//    a dead SA's ICV failure in dec_drop, as the model does, not dec_auth_fail). Rule (asserted): at
//    most one op per direction in any OpSpacing (4) consecutive clocks (one per frame; the
//    integration merges a direction's checks and drop counts into one stream at that rate).
//  - snapshot (the register block, PKT_STATS_INDEX, P5): an index; `snap_busy_o` for the
//    next SnapLatency - 1 (4) clocks, then `snap_words_o` hold the SA's counters as every op
//    issued before the snapshot left them: packets, bytes, c2, c3, c4, each low word first
//    (RX: replay_window, replay, integrity_failed; TX: seq_exhausted, 0, 0). One at a time
//    (asserted). The register block holds a read of PKT_STATS_WORDn while busy: an AXI-Lite
//    read after the index's write arrives later than that in practice.
//  - events (P6): `evt_ready_o` while the queue holds one; EVT_WORD0 (kind 7:0, index
//    31:16) and EVT_WORD1 (the handle) of the head, 0 while empty; `evt_pop_i` drops the
//    head. An event that finds the queue full (its 16 entries at the start of its clock,
//    a pop on that clock notwithstanding) is lost and counts in `evt_drop_o` (EVT_DROP).
//  - hard-expired marks for esp_tx_pkt_encap (hx_*): set when a TX SA takes a hard event
//    (hard bytes, hard packets, seq exhausted), cleared at every init of the index.
//
// Decisions (P8's rules, as sim/model/esp_packet.cpp's hard_limit and count_packet make
// them; where the contract is silent, as the model decided):
//  - OpCheck: no packet SA of the op's direction at the index: drop, nothing counted. A dead
//    SA (a hard event fired): drop; TX after seq exhaustion, that drop counts in
//    seq_exhausted (P3, the model's dead path). Else the hard limits: len > hard bytes -
//    bytes, or packets >= hard packets: drop, the events of the limits passed (bytes first),
//    the SA dead. Else counted (packets + 1, bytes + len) and passed, with the soft events
//    of bytes > soft bytes and packets > soft packets after the count (bytes first). Each
//    event kind once per SA.
//  - RX drop counts of a dead SA are not counted: the model drops such a frame before its
//    replay check and ICV. TX seq_exhausted: an SA alive counts it, raises kind 5 and dies;
//    a dead SA counts it only if kind 5 fired (the model's dead path), not after a hard limit.
//  - A frame bytes count is 17 bits (IPv6: 40 + a 16-bit payload length).
//  - The hard byte check is the model's, `len > hard - bytes` in 64 bits. The soft check
//    `bytes + len > soft` (after the count) is `len > soft - bytes` with the borrow of
//    soft - bytes as "above": the same, as a counted frame never takes bytes past hard (no
//    carry). The soft packet check is packets >= soft (the model: packets + 1 > soft), the
//    same short of 2^64 - 1 packets, which hard packets (at most all ones) stop first.
//  - The snapshot takes SnapLatency clocks, not the one clock P5 names: the counters live
//    in block RAM behind the ops' read-modify-write.
//
// Op pipeline (a direction's op issues in its slot of a free-running 4-clock round: TX in
// clocks with ph_q 0, RX with ph_q 2; an op that arrives outside its slot waits 1 to 3 clocks
// in a holding register; its answer then waits the complement, so the latency is fixed):
//   clock k     (issue): the state and configuration read (two memories, one read port each);
//   clock k + 1 (A): 64-bit arithmetic from the memories' outputs: hard bytes - bytes, soft
//               bytes - bytes, packets >= both packet limits, packets + 1, bytes + len, the
//               drop counter + 1;
//   clock k + 2 (B): the frame's length against what is left of the byte limits, the
//               decision, the events, the answer, and the new state's selects;
//   clock k + 3 (C): the new state written (the selects' mux into the write port).
//  Read in k, written at the end of k + 3: a direction's next op (k + 4 at the earliest)
//  reads what this one wrote; the other direction never writes this SA (an op whose SA is of
//  the other direction writes nothing). Ops write on odd clocks, inits on even ones: the one
//  write port is never asked twice. An init of the op's index on clock k or k + 2 (after the
//  op's read, before its write) cancels the op: no write, no event, the answer drop (the
//  frame read the state of an SA that is gone, as esp_tx_pkt_encap's PktStale).
//  A snapshot reads on an odd clock s (no op reads then); the ops issued before s that write
//  on or after s (on s and s + 2) are taken from their written state, kept a clock in
//  wlast_q, as they are written.
//
// After reset the unit clears every entry (NumSa clocks, `ready_o` low; no op, init or
// snapshot meanwhile, asserted): an index never added snapshots zeros (P8).
//
// Memory for NumSa SAs: the configuration, 288 bits a SA, and the state, 327 bits a SA,
// one copy each (the snapshot reads on the clocks no op reads). For 1,024 SAs, as Yosys
// maps them: 8 RAMB36 (1024 x 36) and 19 RAMB18 (1024 x 18), about 17.5 RAMB36; the event
// queue in LUTRAM (docs/fpga.md).
module esp_pkt_life #(
  parameter int NumSa = 1024  // SA indices, a power of two (the engine's SA table)
) (
  input  logic                         clk_i,
  input  logic                         rst_ni,
  output logic                         ready_o,       // the clear after reset is done

  // Init (ADD_SA_PKT; DEL_SA_V2 with init_sa_i 0).
  input  logic                         init_valid_i,
  output logic                         init_ready_o,
  input  logic [$clog2(NumSa)-1:0]     init_index_i,
  input  logic                         init_sa_i,
  input  logic                         init_tx_i,
  input  esp_pkt_life_pkg::life_cfg_t  init_cfg_i,

  // TX ops (esp_pkt_life_pkg::OpCheck, esp_pkt_life_pkg::OpDropA = seq_exhausted).
  input  logic                         tx_valid_i,
  input  esp_pkt_life_pkg::life_op_e   tx_op_i,
  input  logic [$clog2(NumSa)-1:0]     tx_index_i,
  input  logic [16:0]                  tx_bytes_i,
  output logic                         tx_ans_valid_o,
  output logic                         tx_ans_pass_o,

  // RX ops (esp_pkt_life_pkg::OpCheck; esp_pkt_life_pkg::OpDropA/B/C = replay_window, replay, integrity_failed).
  input  logic                         rx_valid_i,
  input  esp_pkt_life_pkg::life_op_e   rx_op_i,
  input  logic [$clog2(NumSa)-1:0]     rx_index_i,
  input  logic [16:0]                  rx_bytes_i,
  output logic                         rx_ans_valid_o,
  output logic                         rx_ans_pass_o,

  // Hard-expired marks, to esp_tx_pkt_encap's hx_* port.
  output logic                         hx_valid_o,
  output logic [$clog2(NumSa)-1:0]     hx_index_o,
  output logic                         hx_expired_o,

  // Snapshot (PKT_STATS_INDEX, PKT_STATS_WORD0..9).
  input  logic                         snap_valid_i,
  input  logic [$clog2(NumSa)-1:0]     snap_index_i,
  output logic                         snap_busy_o,
  output logic [319:0]                 snap_words_o,  // word i in bits 32i+31:32i

  // Event queue (INTR_STATUS.EVENT_READY, EVT_WORD0, EVT_WORD1, EVT_POP, EVT_DROP).
  output logic                         evt_ready_o,
  output logic [31:0]                  evt_word0_o,
  output logic [31:0]                  evt_word1_o,
  input  logic                         evt_pop_i,
  output logic [63:0]                  evt_drop_o
);

  localparam int IdxW = $clog2(NumSa);
  localparam int CfgW = esp_pkt_life_pkg::CfgBits;
  localparam int StW  = esp_pkt_life_pkg::StBits;
  localparam int CntW = esp_pkt_life_pkg::CntBits;
  localparam int EvW  = 3 + IdxW + 32;

  // The counters alone (the snapshot's part of the state): life_st_t's low bits.
  typedef struct packed {
    logic [63:0] c4;
    logic [63:0] c3;
    logic [63:0] c2;
    logic [63:0] bytes;
    logic [63:0] packets;
  } cnt_t;

  // ---- round and clearing after reset ---------------------------------------------------------
  logic [1:0]      ph_q;
  logic            clr_q;
  logic [IdxW-1:0] clr_idx_q;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      ph_q      <= 2'd0;
      clr_q     <= 1'b1;
      clr_idx_q <= '0;
    end else begin
      ph_q <= ph_q + 2'd1;
      if (clr_q) begin
        clr_idx_q <= clr_idx_q + 1'b1;
        if (&clr_idx_q) clr_q <= 1'b0;
      end
    end
  end

  assign ready_o = !clr_q;

  // ---- init -------------------------------------------------------------------------------
  logic     init_fire;
  esp_pkt_life_pkg::life_st_t init_st;

  assign init_ready_o = !clr_q && !ph_q[0];
  assign init_fire    = init_valid_i && init_ready_o;

  always_comb begin
    init_st       = '0;
    init_st.valid = init_sa_i;
    init_st.tx    = init_tx_i;
  end

  // ---- issue --------------------------------------------------------------------------------
  // A request waits in its direction's holding register for its slot; `w` counts the clocks
  // it waited, which its answer makes up for.
  typedef struct packed {
    logic [1:0]      op;  // esp_pkt_life_pkg::life_op_e (Yosys takes no package type here)
    logic [IdxW-1:0] idx;
    logic [16:0]     bytes;
    logic [1:0]      w;
  } req_t;

  req_t tx_hold_q, rx_hold_q, tx_req, rx_req, iss;
  logic tx_hold_v_q, rx_hold_v_q, tx_req_v, rx_req_v, iss_v, iss_tx, tx_slot, rx_slot;

  assign tx_slot = ph_q == 2'd0;
  assign rx_slot = ph_q == 2'd2;

  // The request of each direction on this clock: the held one, else the input's.
  assign tx_req_v = tx_hold_v_q || tx_valid_i;
  assign rx_req_v = rx_hold_v_q || rx_valid_i;
  assign tx_req   = tx_hold_v_q ? tx_hold_q : {tx_op_i, tx_index_i, tx_bytes_i, 2'd0};
  assign rx_req   = rx_hold_v_q ? rx_hold_q : {rx_op_i, rx_index_i, rx_bytes_i, 2'd0};

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      tx_hold_v_q <= 1'b0;
      rx_hold_v_q <= 1'b0;
    end else begin
      tx_hold_v_q <= tx_req_v && !tx_slot;
      rx_hold_v_q <= rx_req_v && !rx_slot;
    end
  end

  always_ff @(posedge clk_i) begin
    tx_hold_q   <= tx_req;
    tx_hold_q.w <= tx_req.w + 2'd1;
    rx_hold_q   <= rx_req;
    rx_hold_q.w <= rx_req.w + 2'd1;
  end

  // The op that reads on this clock (at most one: the slots are apart).
  assign iss_tx = tx_slot;
  assign iss_v  = tx_slot ? tx_req_v : (rx_slot && rx_req_v);
  assign iss    = tx_slot ? tx_req : rx_req;

  // Snapshot: reads on an odd clock, the one it is asked on or the next.
  logic            snap_hold_q, snap_iss;
  logic [IdxW-1:0] snap_idx_q, snap_idx;
  logic [2:0]      snap_cnt_q;

  assign snap_idx = snap_hold_q ? snap_idx_q : snap_index_i;
  assign snap_iss = ph_q[0] && (snap_hold_q || snap_valid_i);

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      snap_hold_q <= 1'b0;
      snap_cnt_q  <= '0;
    end else begin
      snap_hold_q <= (snap_hold_q || snap_valid_i) && !ph_q[0];
      if (snap_valid_i)          snap_cnt_q <= 3'(esp_pkt_life_pkg::SnapLatency - 1);
      else if (snap_cnt_q != '0) snap_cnt_q <= snap_cnt_q - 3'd1;
    end
  end

  always_ff @(posedge clk_i) begin
    if (snap_valid_i) snap_idx_q <= snap_index_i;
  end

  assign snap_busy_o = snap_cnt_q != '0;

  // ---- memories ----------------------------------------------------------------------------
  logic            st_we, re;
  logic [IdxW-1:0] st_waddr, raddr;
  esp_pkt_life_pkg::life_st_t        st_wdata, st_r, c_wdata;
  esp_pkt_life_pkg::life_cfg_t       cfg_r;
  logic            c_we;
  logic [IdxW-1:0] c_idx_q;

  assign re    = iss_v || snap_iss;
  assign raddr = snap_iss ? snap_idx : iss.idx;

  // One write port: the clear, an init (even clocks) or an op's write-back (odd clocks).
  always_comb begin
    st_we    = 1'b1;
    st_waddr = clr_idx_q;
    st_wdata = '0;
    if (!clr_q) begin
      st_we    = init_fire || c_we;
      st_waddr = init_fire ? init_index_i : c_idx_q;
      st_wdata = init_fire ? init_st : c_wdata;
    end
  end

  sdp_ram #(.Width(StW), .Depth(NumSa)) u_st (
    .clk_i,
    .we_i (st_we), .waddr_i (st_waddr), .wdata_i (st_wdata),
    .re_i (re), .raddr_i (raddr), .rdata_o (st_r)
  );

  sdp_ram #(.Width(CfgW), .Depth(NumSa)) u_cfg (
    .clk_i,
    .we_i (init_fire), .waddr_i (init_index_i), .wdata_i (init_cfg_i),
    .re_i (iss_v), .raddr_i (iss.idx), .rdata_o (cfg_r)
  );

  // ---- stage A: 64-bit arithmetic from the memories ----------------------------------------
  logic            a_valid_q, a_tx_q, a_kill_q;
  logic [1:0]      a_op_q;  // esp_pkt_life_pkg::life_op_e
  logic [IdxW-1:0] a_idx_q;
  logic [16:0]     a_len_q;
  logic [1:0]      a_w_q;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) a_valid_q <= 1'b0;
    else         a_valid_q <= iss_v;
  end

  always_ff @(posedge clk_i) begin
    a_tx_q   <= iss_tx;
    a_op_q   <= iss.op;
    a_idx_q  <= iss.idx;
    a_len_q  <= iss.bytes;
    a_w_q    <= iss.w;
    // An init of this index written on the read's clock: the read saw the state before it.
    a_kill_q <= init_fire && init_index_i == iss.idx;
  end

  logic [63:0] a_hrem, a_srem, a_pk_n, a_by_n, a_cn, a_csel;
  logic        a_sbor, a_pk_hard, a_pk_soft, a_ok;

  always_comb begin
    {a_sbor, a_srem} = {1'b0, cfg_r.soft_bytes} - {1'b0, st_r.bytes};
    a_hrem    = cfg_r.hard_bytes - st_r.bytes;
    a_pk_hard = st_r.packets >= cfg_r.hard_packets;
    a_pk_soft = st_r.packets >= cfg_r.soft_packets;
    a_pk_n    = st_r.packets + 64'd1;
    a_by_n    = st_r.bytes + 64'(a_len_q);
    unique case (a_op_q)
      esp_pkt_life_pkg::OpDropB: a_csel = st_r.c3;
      esp_pkt_life_pkg::OpDropC: a_csel = st_r.c4;
      default: a_csel = st_r.c2;  // esp_pkt_life_pkg::OpDropA, and esp_pkt_life_pkg::OpCheck on TX after exhaustion
    endcase
    a_cn = a_csel + 64'd1;
    a_ok = st_r.valid && st_r.tx == a_tx_q;
  end

  // ---- stage B: the decision ----------------------------------------------------------------
  logic            b_valid_q, b_tx_q, b_kill_q, b_ok_q, b_sbor_q, b_pk_hard_q, b_pk_soft_q;
  logic [1:0]      b_op_q;
  logic [IdxW-1:0] b_idx_q;
  logic [16:0]     b_len_q;
  logic [1:0]      b_w_q;
  logic [63:0]     b_hrem_q, b_srem_q, b_pk_n_q, b_cn_q;
  logic [63:0]     b_by_n_q;
  esp_pkt_life_pkg::life_st_t        b_st_q;
  logic [31:0]     b_handle_q;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) b_valid_q <= 1'b0;
    else         b_valid_q <= a_valid_q;
  end

  always_ff @(posedge clk_i) begin
    b_tx_q      <= a_tx_q;
    b_kill_q    <= a_kill_q;
    b_op_q      <= a_op_q;
    b_idx_q     <= a_idx_q;
    b_len_q     <= a_len_q;
    b_w_q       <= a_w_q;
    b_ok_q      <= a_ok;
    b_sbor_q    <= a_sbor;
    b_srem_q    <= a_srem;
    b_hrem_q    <= a_hrem;
    b_pk_hard_q <= a_pk_hard;
    b_pk_soft_q <= a_pk_soft;
    b_pk_n_q    <= a_pk_n;
    b_by_n_q    <= a_by_n;  // counted only within the hard limit: never carries out
    b_cn_q      <= a_cn;
    b_st_q      <= st_r;
    b_handle_q  <= cfg_r.handle;
  end

  logic        b_kill, b_dead, b_live, b_hb, b_sb, b_check, b_hard, b_pass, b_dies;
  logic        b_take_cnt, b_take_c2, b_take_c3, b_take_c4;
  logic [5:1]  b_fired;
  esp_pkt_life_pkg::life_event_e b_ev1, b_ev2;

  always_comb begin
    // An init of this index on the clock the op's write would follow (k + 2).
    b_kill  = b_kill_q || (init_fire && init_index_i == b_idx_q);
    b_dead  = |b_st_q.fired[5:3];
    b_live  = b_ok_q && !b_dead && !b_kill;
    b_check = b_op_q == esp_pkt_life_pkg::OpCheck;
    // len > hard - bytes, with what is left below 2^17 compared and the rest zero.
    b_hb    = ~|b_hrem_q[63:17] && b_len_q > b_hrem_q[16:0];
    b_sb    = b_sbor_q || (~|b_srem_q[63:17] && b_len_q > b_srem_q[16:0]);
    b_hard  = b_hb || b_pk_hard_q;
    b_pass  = b_check && b_live && !b_hard;

    b_fired    = b_st_q.fired;
    b_take_cnt = b_pass;
    b_take_c2  = 1'b0;
    b_take_c3  = 1'b0;
    b_take_c4  = 1'b0;
    b_ev1      = esp_pkt_life_pkg::EvNone;
    b_ev2      = esp_pkt_life_pkg::EvNone;
    b_dies     = 1'b0;
    if (b_check) begin
      if (b_live && b_hard) begin
        b_dies = 1'b1;
        b_ev1  = b_hb ? esp_pkt_life_pkg::EvHardBytes : esp_pkt_life_pkg::EvHardPackets;
        b_ev2  = (b_hb && b_pk_hard_q) ? esp_pkt_life_pkg::EvHardPackets : esp_pkt_life_pkg::EvNone;
        b_fired[3] = b_fired[3] || b_hb;
        b_fired[4] = b_fired[4] || b_pk_hard_q;
      end
      if (b_pass) begin
        // Soft events after the count, bytes first; each once.
        if (b_sb && !b_st_q.fired[1]) begin
          b_ev1 = esp_pkt_life_pkg::EvSoftBytes;
          if (b_pk_soft_q && !b_st_q.fired[2]) b_ev2 = esp_pkt_life_pkg::EvSoftPackets;
        end else if (b_pk_soft_q && !b_st_q.fired[2]) begin
          b_ev1 = esp_pkt_life_pkg::EvSoftPackets;
        end
        b_fired[1] = b_fired[1] || b_sb;
        b_fired[2] = b_fired[2] || b_pk_soft_q;
      end
      // A frame of a TX SA dead from exhaustion counts in seq_exhausted (P3).
      b_take_c2 = b_ok_q && !b_kill && b_dead && b_st_q.fired[5];
    end else if (b_tx_q) begin
      // seq_exhausted: alive, counted, kind 5, dead; dead, counted after exhaustion only.
      b_take_c2 = b_ok_q && !b_kill && (!b_dead || b_st_q.fired[5]);
      if (b_live) begin
        b_dies     = 1'b1;
        b_ev1      = esp_pkt_life_pkg::EvSeqExhausted;
        b_fired[5] = 1'b1;
      end
    end else begin
      // RX drops of a live SA (the model drops a dead SA's frame before these checks).
      b_take_c2 = b_live && b_op_q == esp_pkt_life_pkg::OpDropA;
      b_take_c3 = b_live && b_op_q == esp_pkt_life_pkg::OpDropB;
      b_take_c4 = b_live && b_op_q == esp_pkt_life_pkg::OpDropC;
    end
  end

  // ---- stage C: the write-back ------------------------------------------------------------
  logic        c_take_cnt_q, c_take_c2_q, c_take_c3_q, c_take_c4_q, c_dies_q, c_tx_q;
  logic [63:0] c_pk_n_q, c_by_n_q, c_cn_q;
  esp_pkt_life_pkg::life_st_t    c_st_q;
  cnt_t        wlast_q;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      c_we     <= 1'b0;
      c_dies_q <= 1'b0;
    end else begin
      // Only an op on a packet SA of its direction, not cancelled, changes anything.
      c_we     <= b_valid_q && b_ok_q && !b_kill;
      c_dies_q <= b_valid_q && b_dies;
    end
  end

  always_ff @(posedge clk_i) begin
    c_idx_q      <= b_idx_q;
    c_tx_q       <= b_tx_q;
    c_take_cnt_q <= b_take_cnt;
    c_take_c2_q  <= b_take_c2;
    c_take_c3_q  <= b_take_c3;
    c_take_c4_q  <= b_take_c4;
    c_pk_n_q     <= b_pk_n_q;
    c_by_n_q     <= b_by_n_q;
    c_cn_q       <= b_cn_q;
    c_st_q       <= b_st_q;
    c_st_q.fired <= b_fired;
  end

  always_comb begin
    c_wdata = c_st_q;
    if (c_take_cnt_q) begin
      c_wdata.packets = c_pk_n_q;
      c_wdata.bytes   = c_by_n_q;
    end
    if (c_take_c2_q) c_wdata.c2 = c_cn_q;
    if (c_take_c3_q) c_wdata.c3 = c_cn_q;
    if (c_take_c4_q) c_wdata.c4 = c_cn_q;
  end

  // The state written, a clock longer, for a snapshot whose read came too early to see it.
  always_ff @(posedge clk_i) begin
    if (c_we) wlast_q <= c_wdata[CntW-1:0];
  end

  // Hard-expired marks: an init clears (even clocks), a TX SA's death sets (odd clocks).
  assign hx_valid_o   = init_fire || (c_dies_q && c_tx_q);
  assign hx_index_o   = init_fire ? init_index_i : c_idx_q;
  assign hx_expired_o = !init_fire;

  // ---- answers -------------------------------------------------------------------------------
  // Entered at position w of a four-register line and out of its end: OpLatency clocks after
  // the op's clock whatever it waited.
  logic [3:0] tx_ans_v_q, tx_ans_p_q, rx_ans_v_q, rx_ans_p_q;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      tx_ans_v_q <= '0;
      rx_ans_v_q <= '0;
    end else begin
      tx_ans_v_q <= {tx_ans_v_q[2:0], 1'b0};
      rx_ans_v_q <= {rx_ans_v_q[2:0], 1'b0};
      if (b_valid_q && b_tx_q && b_check) tx_ans_v_q[b_w_q] <= 1'b1;
      if (b_valid_q && !b_tx_q)           rx_ans_v_q[b_w_q] <= 1'b1;
    end
  end

  always_ff @(posedge clk_i) begin
    tx_ans_p_q <= {tx_ans_p_q[2:0], 1'b0};
    rx_ans_p_q <= {rx_ans_p_q[2:0], 1'b0};
    if (b_valid_q && b_tx_q && b_check) tx_ans_p_q[b_w_q] <= b_pass;
    // An RX drop's answer: counted, the SA alive (the RX pipeline tells dec_auth_fail from
    // a dead SA's dec_drop by it).
    if (b_valid_q && !b_tx_q)           rx_ans_p_q[b_w_q] <= b_check ? b_pass : b_live;
  end

  assign tx_ans_valid_o = tx_ans_v_q[3];
  assign tx_ans_pass_o  = tx_ans_p_q[3];
  assign rx_ans_valid_o = rx_ans_v_q[3];
  assign rx_ans_pass_o  = rx_ans_p_q[3];

  // ---- snapshot -------------------------------------------------------------------------------
  // Read on clock s; an op's write on s (not seen by the read) and on s + 2 (the op issued on
  // s - 1) taken from wlast_q the clock after.
  logic s1_q, s2_q, s3_q, hit1_q, hit3_q;
  cnt_t snap_q;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      s1_q <= 1'b0;
      s2_q <= 1'b0;
      s3_q <= 1'b0;
    end else begin
      s1_q <= snap_iss;
      s2_q <= s1_q;
      s3_q <= s2_q;
    end
  end

  always_ff @(posedge clk_i) begin
    hit1_q <= c_we && c_idx_q == snap_idx;
    hit3_q <= c_we && c_idx_q == snap_idx_q;
    if (s1_q) snap_q <= hit1_q ? wlast_q : st_r[CntW-1:0];
    else if (s3_q && hit3_q) snap_q <= wlast_q;
  end

  assign snap_words_o = {snap_q.c4, snap_q.c3, snap_q.c2, snap_q.bytes, snap_q.packets};

  // ---- events -------------------------------------------------------------------------------
  // Up to two per op, ops two clocks apart at least: the first pushed the clock after the
  // decision, the second on the clock after that.
  typedef struct packed {
    logic [2:0]      kind;  // esp_pkt_life_pkg::life_event_e
    logic [IdxW-1:0] idx;
    logic [31:0]     handle;
  } ev_t;

  ev_t         ev_push, ev_head;
  logic [IdxW-1:0] ev_idx_q;
  logic [31:0] ev_handle_q;
  esp_pkt_life_pkg::life_event_e ev1_q, ev2_q;
  logic        q_empty, q_full, ev_push_fire;
  logic [63:0] evt_drop_q;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      ev1_q <= esp_pkt_life_pkg::EvNone;
      ev2_q <= esp_pkt_life_pkg::EvNone;
    end else if (b_valid_q) begin
      ev1_q <= b_ev1;
      ev2_q <= b_ev2;
    end else begin
      ev1_q <= ev2_q;
      ev2_q <= esp_pkt_life_pkg::EvNone;
    end
  end

  always_ff @(posedge clk_i) begin
    if (b_valid_q) begin
      ev_idx_q    <= b_idx_q;
      ev_handle_q <= b_handle_q;
    end
  end

  // A full queue at the start of the clock loses the event (P6), a pop on that clock or not.
  assign ev_push_fire = ev1_q != esp_pkt_life_pkg::EvNone && !q_full;

  always_comb begin
    ev_push = {ev1_q, ev_idx_q, ev_handle_q};
  end

  sync_fifo #(.Width(EvW), .Depth(esp_pkt_life_pkg::EventDepth)) u_evq (
    .clk_i,
    .rst_ni,
    .push_i        (ev_push_fire),
    .data_i        (ev_push),
    .pop_i         (evt_pop_i && !q_empty),  // EVT_POP of an empty queue does nothing
    .data_o        (ev_head),
    .empty_o       (q_empty),
    .full_o        (q_full),
    .almost_full_o (),
    .count_o       ()
  );

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni)                          evt_drop_q <= '0;
    else if (ev1_q != esp_pkt_life_pkg::EvNone && q_full)   evt_drop_q <= evt_drop_q + 64'd1;
  end

  assign evt_ready_o = !q_empty;
  assign evt_word0_o = q_empty ? 32'd0 : {16'(ev_head.idx), 8'd0, 5'd0, ev_head.kind};
  assign evt_word1_o = q_empty ? 32'd0 : ev_head.handle;
  assign evt_drop_o  = evt_drop_q;

`ifdef IPSEC_ASSERTIONS
  // The widths the memories are built with (Yosys takes no $bits of a package's type).
  initial begin
    assert ($bits(esp_pkt_life_pkg::life_cfg_t) == CfgW && $bits(esp_pkt_life_pkg::life_st_t) == StW &&
            $bits(cnt_t) == CntW && $bits(ev_t) == EvW)
      else $error("esp_pkt_life: the widths of esp_pkt_life_pkg disagree with its types");
  end

  // The op ports' rule, on which the read-modify-write rests; nothing before the clear ends.
  logic [esp_pkt_life_pkg::OpSpacing-2:0] tx_hist_q, rx_hist_q;
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      tx_hist_q <= '0;
      rx_hist_q <= '0;
    end else begin
      tx_hist_q <= {tx_hist_q[esp_pkt_life_pkg::OpSpacing-3:0], tx_valid_i};
      rx_hist_q <= {rx_hist_q[esp_pkt_life_pkg::OpSpacing-3:0], rx_valid_i};
      assert (!tx_valid_i || tx_hist_q == '0)
        else $error("esp_pkt_life: two TX ops less than %0d clocks apart", esp_pkt_life_pkg::OpSpacing);
      assert (!rx_valid_i || rx_hist_q == '0)
        else $error("esp_pkt_life: two RX ops less than %0d clocks apart", esp_pkt_life_pkg::OpSpacing);
      assert (!tx_valid_i || tx_op_i == esp_pkt_life_pkg::OpCheck || tx_op_i == esp_pkt_life_pkg::OpDropA)
        else $error("esp_pkt_life: a TX op that is not a check or seq_exhausted");
      assert (!(clr_q && (tx_valid_i || rx_valid_i || snap_valid_i)))
        else $error("esp_pkt_life: an op or a snapshot during the clear after reset");
      assert (!(snap_valid_i && (snap_busy_o || snap_hold_q)))
        else $error("esp_pkt_life: a snapshot while one is under way");
      assert (!(init_fire && c_we))
        else $error("esp_pkt_life: an init and a write-back on one clock");
    end
  end
`endif

endmodule
