// RX read side: takes the stored frames in arrival order, each once it is complete (and,
// if it was decrypted, once esp_gcm's verdict is in), decides its fate, counts it, and
// streams it to the host (contract sections 4, 5, 7):
//  - bypass: the frame as it arrived;
//  - decrypted (0x11), or with fwd_bad_frames an ICV failure (0x12) or a bad trailer
//    (0x17): MACs, metadata {0x8CE4, syndrome, next header, sw_sa_handle}, the original
//    EtherType, then the datagram with the plaintext in place; in no-trailer mode without
//    trailer and ICV and with the IP length (and IPv4 header checksum) rewritten;
//  - truncated, with fwd_bad_frames: metadata 0x17, then the frame as it arrived;
//  - dropped: nothing, and no output clock spent.
//
// Pipeline (docs/architecture.md, the RX stage map):
//  - next: the descriptor at the head of the queue is taken into registers, with what it
//    alone decides worked out on the way (the fate decoded, the free pointer, the length
//    of every plan but no-trailer's), while the frame before it streams out;
//  - take: when the read side is idle, the next frame is taken (started, or dropped) once
//    it is ready: its verdict in, if it has one, and room in the output queue (a frame to
//    drop waits for that room too, so that taking never reads the verdict). The verdict
//    decides the fate (forward or drop) and what the frame's registers take from it:
//    no-trailer's lengths subtract the pad length on the way in;
//  - issue: one token per output beat (reading at most one buffer beat), its shape from
//    registers: whether it is the frame's last is registered a token ahead;
//  - format: the buffer's registered read and the token meet, the 8 metadata bytes are
//    inserted with a fixed half-beat shift (output beat j >= 1 is the upper half of stored
//    beat j - 1 and the lower half of stored beat j); the output queue is passed through
//    while empty.
// Tokens are issued only with room in the output queue, so the pipeline never stalls and no
// valid/ready path runs through it. A frame's first token goes out the clock it is taken:
// the verdict's clock to the first output beat is 2 clocks, as the RX latency needs.
//
// Whether a token is its frame's last is registered a token ahead, from the frame's
// registers, which are loaded with its first token: so its second token is never taken for
// its last. None is: every frame that leaves is 4 beats long at least (58 bytes or more: a
// bypass frame is no runt, and a decrypted one keeps its headers, the metadata, its ESP
// header and IV even without its trailer), which the checking build asserts.
//
// With PktOffload (packet section P4, steps 2 to 4), a frame of an RX packet SA
// (`pdesc_i.pkt`) is delivered without trailer and ICV whatever NO_TRAILER says, and never
// forwarded bad (fwd_bad_frames is for crypto SAs). What the read side knows of it when it
// takes it decides the rest, in a pipeline of fixed length behind the take (clock t):
//  - t + 1: a tunnel's inner packet checked (packet section P8, as the model checks it: an
//    inner IPv4 header of 20 bytes or more with its version and a total length from its
//    header to the payload's end; IPv6 with its version and 40 + payload length within the
//    payload), from its first 6 bytes (`inner_i`, caught by esp_rx as the decrypted copy is
//    written): the versions at the take, the lengths from the stage-1 registers; the frame cut after the inner packet (TFC padding, RFC 4303 section 2.7) by
//    its plan, corrected at t + 2, before the token whose lastness it decides (the fourth:
//    such a frame is 5 beats at least);
//  - t + 2: a good frame commits its number to esp_rx_replay (the recheck and the advance);
//  - t + 5: the recheck's answer; t + 6: one op to esp_pkt_life: OpCheck for a frame the
//    recheck passes, with the bytes it delivers (transport: the restored IP packet, T - 34 -
//    pad; tunnel: the inner packet's own length), OpDropA/B for one it refuses, for one the
//    check before the ICV refused, OpDropC for an ICV failure;
//  - t + 12: the op's answer (pass: delivered, or for a drop: counted, the SA alive);
//  - t + 13: the frame's counter pulses, and its record for esp_rx_decap (drop: the recheck,
//    the lifetime, a tunnel's next header neither 4 nor 41 or a malformed inner packet),
//    pushed before its first beat reaches the decapsulator (esp_rx holds the beats in a queue
//    meanwhile).
// Every frame's counters and record go through the same 13 clocks, so that they stay in
// frame order, one a clock. The two units' rules hold by construction: a frame of a packet
// SA is taken only 4 clocks or more after the one before it (`pk_hist_q`; a frame that
// leaves takes 4 clocks anyway, and 64 bytes on the wire are 4 beats), and each such frame
// makes at most one commit and one op, at fixed clocks after its take: at most one commit
// and one op in any 4 clocks (asserted).
module esp_rx_read #(
  parameter int PktOffload = 0,
  parameter int NumSa      = 1024
) (
  input  logic                               clk_i,
  input  logic                               rst_ni,

  input  logic                               no_trailer_i,
  input  logic                               fwd_bad_frames_i,

  input  logic                               desc_valid_i,
  input  esp_rx_pkg::rx_desc_t               desc_i,
  input  esp_rx_pkg::rx_pkt_desc_t           pdesc_i,    // with PktOffload, beside desc_i
  output logic                               desc_pop_o,
  input  logic                               done_valid_i,
  input  esp_pkg::gcm_status_t               done_i,
  input  logic [47:0]                        inner_i,    // with PktOffload, beside done_i
  output logic                               done_pop_o,

  // Frame buffer read side; buffer space before free_ptr_o may be reused.
  output logic [esp_rx_pkg::BufPtrW-1:0]     free_ptr_o,
  output logic                               orig_re_o,
  output logic                               gcm_re_o,
  output logic [esp_rx_pkg::BufAddrW-1:0]    raddr_o,
  input  logic [127:0]                       orig_rdata_i,
  input  logic [127:0]                       gcm_rdata_i,

  output logic                               m_axis_tvalid_o,
  input  logic                               m_axis_tready_i,
  output logic [127:0]                       m_axis_tdata_o,
  output logic [15:0]                        m_axis_tkeep_o,
  output logic                               m_axis_tlast_o,

  output logic                               cnt_dec_in_o,
  output logic                               cnt_dec_out_o,
  output logic                               cnt_dec_bypass_o,
  output logic                               cnt_dec_drop_o,
  output logic                               cnt_dec_auth_fail_o,

  // With PktOffload: esp_rx_replay's commit port, esp_pkt_life's RX op port, and the records
  // of esp_rx_decap (one per frame that leaves, in frame order).
  output logic                               cmt_valid_o,
  output logic [$clog2(NumSa)-1:0]           cmt_idx_o,
  output logic [63:0]                        cmt_seq_o,
  input  logic                               cmt_valid_i,
  input  esp_rx_replay_pkg::replay_verdict_e cmt_verdict_i,
  output logic                               life_valid_o,
  output esp_pkt_life_pkg::life_op_e         life_op_o,
  output logic [$clog2(NumSa)-1:0]           life_index_o,
  output logic [16:0]                        life_bytes_o,
  input  logic                               life_ans_valid_i,
  input  logic                               life_ans_pass_i,
  output logic                               rec_valid_o,
  output esp_rx_pkg::rx_decap_rec_t          rec_o
);

  localparam int PtrW   = esp_rx_pkg::BufPtrW;
  localparam int CntW   = esp_rx_pkg::BeatCntW;
  localparam int AddrW  = esp_rx_pkg::BufAddrW;
  localparam int ODepth = 8;  // output queue

  // Ones' complement sum of two 16-bit values (RFC 1071).
  function automatic logic [15:0] add1c(input logic [15:0] a, input logic [15:0] b);
    logic [16:0] s;
    s = {1'b0, a} + {1'b0, b};
    add1c = s[15:0] + {15'b0, s[16]};
  endfunction

  // The plan of a frame's output, from the frame's length in bytes as it leaves (metadata
  // included), out_len: its last token has index (out_len - 1) / 16, and the last beat holds
  // bytes 0 .. (out_len - 1) mod 16. Both are read off one number, plan = out_len - 17:
  // plan[14:4] is the last token's index minus one (what the flag a token ahead compares
  // with), plan[3:0] the last byte's lane. With the metadata, the stored bytes end 8 bytes
  // earlier, so a last beat with 8 bytes or fewer (plan[3] clear) holds stored bytes only in
  // its lower half, that is bytes of the buffer beat before it: it reads no buffer beat.
  //   decrypted, as stored:  out_len = 14 + T + 8                 plan = T + 5
  //   decrypted, no trailer: out_len = 14 + T - pad - 18 + 8      plan = T - 13 - pad
  //   truncated:             out_len = L + 8                      plan = L - 9
  //   bypass:                out_len = L                          plan = L - 17

  // ---- next: the descriptor at the head of the queue, decoded -----------------------------
  logic             n_valid_q, n_gcm_q, n_trunc_q, n_bypass_q, n_in_gcm_q, n_ipv6_q;
  logic [PtrW-1:0]  n_free_q;
  logic [AddrW-1:0] n_base_q;
  logic [14:0]      n_plan_q;       // plan, but for no trailer
  logic [14:0]      n_plan_nt_q;    // no trailer: plan + pad
  logic [15:0]      n_ip_len_q;     // no trailer: the new length field + pad
  logic [15:0]      n_csum_part_q;
  logic [31:0]      n_handle_q;
  logic             take, desc_load;
  logic [14:0]      d_plan;
  // Packet offload: the frame's packet facts, and the bytes it delivers plus its pad length.
  esp_rx_pkg::rx_pkt_desc_t n_p_q;
  logic [16:0]      n_pbytes_q;
  logic             n_pkt;
  logic             n_fwd_bad;   // forwarded bad with fwd_bad_frames (truncated or decrypted)

  always_comb begin
    unique case (desc_i.fate)
      esp_rx_pkg::RxGcm:    d_plan = 15'(desc_i.dgram_len) + 15'd5;
      esp_rx_pkg::RxTrunc:  d_plan = 15'(desc_i.frame_len) - 15'd9;
      default:              d_plan = 15'(desc_i.frame_len) - 15'd17;
    endcase
  end

  // The next descriptor is taken in as the frame before is taken, or into an empty stage.
  assign desc_load  = desc_valid_i && (!n_valid_q || take);
  assign desc_pop_o = desc_load;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) n_valid_q <= 1'b0;
    else         n_valid_q <= desc_valid_i || (n_valid_q && !take);
  end

  always_ff @(posedge clk_i) begin
    if (desc_load) begin
      n_gcm_q       <= desc_i.fate == esp_rx_pkg::RxGcm;
      n_trunc_q     <= desc_i.fate == esp_rx_pkg::RxTrunc;
      n_bypass_q    <= desc_i.fate == esp_rx_pkg::RxBypass;
      n_in_gcm_q    <= desc_i.in_gcm;
      n_ipv6_q      <= desc_i.ipv6;
      n_free_q      <= desc_i.base + PtrW'(desc_i.nbeats);
      n_base_q      <= desc_i.base[AddrW-1:0];
      n_plan_q      <= d_plan;
      n_plan_nt_q   <= 15'(desc_i.dgram_len) - 15'd13;
      // RFC 791 total length, or RFC 8200 payload length: 14 + T - pad - 18 - 14 (- 40).
      n_ip_len_q    <= 16'(desc_i.dgram_len) - 16'd18 -
                       (desc_i.ipv6 ? 16'(esp_rx_pkg::Ipv6HdrBytes) : 16'd0);
      n_csum_part_q <= desc_i.csum_part;
      n_handle_q    <= desc_i.handle;
    end
  end

  if (PktOffload != 0) begin : g_next_pkt
    always_ff @(posedge clk_i) begin
      if (desc_load) begin
        n_p_q       <= pdesc_i;
        // A frame dropped before classification is not one of the SA's (esp_rx_feed).
        n_p_q.pkt   <= pdesc_i.pkt && desc_i.fate != esp_rx_pkg::RxDrop;
        n_p_q.rdrop <= pdesc_i.rdrop && desc_i.fate != esp_rx_pkg::RxDrop;
        // T - 34 (ESP header, IV, pad length, next header, ICV) less the outer IP header
        // for a tunnel.
        n_pbytes_q <= desc_i.dgram_len - 17'd34 -
                      (!pdesc_i.tunnel ? 17'd0 : desc_i.ipv6 ? 17'(esp_rx_pkg::Ipv6HdrBytes)
                                                             : 17'(esp_rx_pkg::Ipv4HdrBytes));
      end
    end
    assign n_pkt = n_p_q.pkt;
    // A crypto SA's frame only: a register, so that `fwd` reads one LUT of inputs.
    logic n_fwd_bad_q;
    always_ff @(posedge clk_i) begin
      if (desc_load) n_fwd_bad_q <= (desc_i.fate == esp_rx_pkg::RxTrunc ||
                                     desc_i.fate == esp_rx_pkg::RxGcm) && !pdesc_i.pkt;
    end
    assign n_fwd_bad = n_fwd_bad_q;
  end else begin : g_next_plain
    assign n_pkt = 1'b0;
    assign n_fwd_bad = n_trunc_q || n_gcm_q;
    always_comb begin
      n_p_q      = '0;
      n_pbytes_q = '0;
    end
  end

  // ---- take: fate and counters --------------------------------------------------------------
  logic busy_q, last_q, s1_valid_q, drop_q, credit, fwd, good, strip, start, drop_now, issue;
  logic adv, pk_ok;
  logic [$clog2(ODepth):0] ocount;

  // Room in the output queue for every token in flight; a frame waits for it whether it
  // leaves or is dropped, so that taking it does not read the verdict.
  assign credit   = s1_valid_q ? ocount < ($clog2(ODepth)+1)'(ODepth - 1)
                               : ocount < ($clog2(ODepth)+1)'(ODepth);
  assign take     = !busy_q && n_valid_q && (!n_in_gcm_q || done_valid_i) && credit && pk_ok;
  assign good     = done_i.tag_ok && done_i.trailer_ok;
  // A packet SA's frame: never forwarded bad, delivered without trailer (packet section P8).
  assign strip    = good && (no_trailer_i || n_pkt);
  assign fwd      = n_bypass_q || (n_fwd_bad && fwd_bad_frames_i) || (n_gcm_q && good);
  assign start    = take && fwd;
  assign drop_now = take && !fwd;
  assign issue    = start || (busy_q && credit);
  // What a token sets going but its valid bit (the buffer read, the token's registers, the
  // frame's registers) advances on a frame taken whether it leaves or not: only `issue`,
  // `busy_q`, the free pointer and the counters wait for the verdict's forward or drop.
  assign adv      = take || (busy_q && credit);

  assign done_pop_o = take && n_in_gcm_q;

  // Packet offload: a frame's passage behind the take (g_pkt below). Fields only (Yosys
  // takes no package type in a struct): the op is a register of its own, the record's
  // fields are esp_rx_pkg::rx_decap_rec_t's.
  typedef struct packed {
    logic         fwd;       // it leaves: a record for esp_rx_decap
    logic         in, out, bypass, drop, auth;  // its counters (as the take decided them)
    logic         commit;    // a good frame of a packet SA: commit, then OpCheck
    logic         opv;       // an op to esp_pkt_life (a drop's known at the take)
    logic         too_old;   // the check's drop: left of the window (else seen before)
    logic         icv;       // an ICV failure: auth_fail while the SA is alive
    logic         fresh;     // the recheck passed (from OpAt on)
    logic         rec_pkt, rec_tunnel, rec_ipv6, rec_drop;
    logic [7:0]   rec_next_hdr;
    logic [15:0]  idx;
    logic [16:0]  bytes;     // delivered (a tunnel's: the payload until t + 2)
    logic [63:0]  seq;
    // A tunnel's inner packet (t + 1): IPv4 total length, IPv6 40 + payload length, and the
    // plans that end the frame after it (for an inner IPv4, IPv6 packet).
    logic         nh4;       // the next header is 4 (IPv4), else 41 for a tunnel's
    // A good tunnel frame that commits unless its inner header is wrong: IPv4 (next header 4)
    // with its version, or IPv6 (41) with its version. What is left for CmtAt: IPv4's IHL
    // and total length (the header's own checks, and the length against the payload), IPv6's
    // length against the payload: compares side by side.
    logic         in_go4, in_go6;
    logic [3:0]   in_ihl;
    logic [15:0]  in_tl;
    logic [16:0]  in_len6;
    logic [14:0]  plan4, plan6;
    logic         trim;      // the plan below corrects the frame's (t + 2)
    logic [14:0]  plan;
  } pk_t;
  pk_t pk_d;
  // The stages of g_pkt that change a frame (at_*) and those read (v_*): views of the whole
  // record, of which each reads some fields.
  pk_t at_cmt, at_op, at_ans;
  logic        trim_v;     // a tunnel frame's plan corrected (from CmtAt)
  logic [14:0] trim_plan;
  /* verilator lint_off UNUSEDSIGNAL */
  pk_t v_cmt, v_op, v_out;
  /* verilator lint_on UNUSEDSIGNAL */

  // The fates as the take decides them (contract section 4).
  logic t_in, t_out, t_bypass, t_drop, t_auth;
  assign t_in     = n_gcm_q || n_trunc_q;
  assign t_out    = n_gcm_q && good;
  assign t_bypass = n_bypass_q;
  assign t_drop   = !(n_gcm_q || n_trunc_q || n_bypass_q) || n_trunc_q ||
                    (n_gcm_q && done_i.tag_ok && !done_i.trailer_ok);
  assign t_auth   = n_gcm_q && !done_i.tag_ok;

  logic cnt_in_q, cnt_out_q, cnt_bypass_q, cnt_drop_q, cnt_auth_q;
  if (PktOffload == 0) begin : g_cnt
    always_ff @(posedge clk_i or negedge rst_ni) begin
      if (!rst_ni) begin
        cnt_in_q     <= 1'b0;
        cnt_out_q    <= 1'b0;
        cnt_bypass_q <= 1'b0;
        cnt_drop_q   <= 1'b0;
        cnt_auth_q   <= 1'b0;
      end else begin
        cnt_in_q     <= take && t_in;
        cnt_out_q    <= take && t_out;
        cnt_bypass_q <= take && t_bypass;
        cnt_drop_q   <= take && t_drop;
        cnt_auth_q   <= take && t_auth;
      end
    end
    assign pk_ok        = 1'b1;
    assign cmt_valid_o  = 1'b0;
    assign cmt_idx_o    = '0;
    assign cmt_seq_o    = '0;
    assign life_valid_o = 1'b0;
    assign life_op_o    = esp_pkt_life_pkg::OpCheck;
    assign life_index_o = '0;
    assign life_bytes_o = '0;
    assign rec_valid_o  = 1'b0;
    assign rec_o        = '0;
    assign pk_d         = '0;
    assign at_cmt       = '0;
    assign at_op        = '0;
    assign at_ans       = '0;
    assign trim_v       = 1'b0;
    assign trim_plan    = '0;
    assign v_cmt        = '0;
    assign v_op         = '0;
    assign v_out        = '0;
    logic unused_pkt;
    assign unused_pkt = ^{pdesc_i, cmt_valid_i, cmt_verdict_i, life_ans_valid_i, life_ans_pass_i,
                          n_p_q, n_pbytes_q, pk_d, at_cmt, at_op, at_ans, inner_i, trim_v,
                          trim_plan};
  end else begin : g_pkt
    localparam int IdxW  = $clog2(NumSa);
    localparam int Depth = 13;  // take to the counters and the record
    localparam int CmtAt = 2;   // the commit's clock after the take (the inner checks' first)
    localparam int OpAt  = CmtAt + esp_rx_replay_pkg::CommitLatency + 1;  // the op's
    localparam int AnsAt = OpAt + esp_pkt_life_pkg::OpLatency;            // its answer's
    localparam int PkW   = $bits(pk_d);
    if (AnsAt + 1 != Depth) begin : g_depth_check
      $error("esp_rx_read: the answer's stage must be the last but one");
    end

    // The stages: stage i (bits PkW*i-1 .. PkW*(i-1)) holds the frame taken i clocks ago.
    logic [PkW*Depth-1:0] pk_q;
    logic [Depth:1] pk_v_q;
    logic        tun_bad, fresh_now, rdrop_op, in_ok4, in_ok6, in_ok;
    /* verilator lint_off UNUSEDSIGNAL */
    logic [47:0] in_b;  // the inner header's bytes 0..5 (byte 1, TOS or traffic class, unread)
    /* verilator lint_on UNUSEDSIGNAL */
    logic [1:0]  pk_hist_q;    // a packet SA's frame taken 1, 2 clocks ago
    logic        pk_recent_q;  // one taken 1, 2 or 3 clocks ago, a register of its own
    esp_pkt_life_pkg::life_op_e op_q;  // the op of the frame at OpAt

    // A frame of a packet SA waits until the one before it is 4 clocks behind.
    assign pk_ok = !n_pkt || !pk_recent_q;

    always_comb begin
      // A tunnel delivers IPv4 (4) or IPv6 (41) only: anything else is dropped after the
      // ICV without touching the window or the SA's counters (packet section P8).
      tun_bad  = n_p_q.tunnel && !(done_i.next_hdr == 8'd4 || done_i.next_hdr == 8'd41);
      rdrop_op = n_trunc_q && n_p_q.rdrop && n_p_q.verdict != 2'(esp_rx_replay_pkg::ReplayInvalid);
      pk_d = '0;
      pk_d.fwd          = fwd;
      pk_d.in           = t_in;
      pk_d.bypass       = t_bypass;
      pk_d.out          = t_out && !n_pkt;
      pk_d.auth         = t_auth && !n_pkt;
      pk_d.drop         = t_drop || (n_pkt && n_gcm_q && good && tun_bad);
      pk_d.commit       = n_pkt && n_gcm_q && good && !tun_bad;
      pk_d.icv          = n_pkt && t_auth;
      pk_d.opv          = n_pkt && (t_auth || rdrop_op);
      pk_d.too_old      = n_p_q.verdict == 2'(esp_rx_replay_pkg::ReplayTooOld);
      pk_d.rec_pkt      = n_pkt && n_gcm_q && good;
      pk_d.rec_tunnel   = n_p_q.tunnel;
      pk_d.rec_ipv6     = n_ipv6_q;
      pk_d.rec_drop     = n_pkt && tun_bad;
      pk_d.rec_next_hdr = done_i.next_hdr;
      pk_d.idx          = n_p_q.idx;
      pk_d.bytes        = n_pbytes_q - 17'(done_i.pad_len);
      pk_d.seq          = n_p_q.seq;
      // The inner packet's first bytes, after the outer IPv4 or IPv6 header; the plans:
      // out_len - 17 with out_len = 14 + 8 + outer header + 16 + the inner packet.
      in_b    = inner_i;
      // What the inner header says of itself, at the take; its length against the payload
      // a clock later (CmtAt), from the registered payload.
      pk_d.nh4     = done_i.next_hdr == 8'd4;
      pk_d.in_go4  = pk_d.commit && n_p_q.tunnel && pk_d.nh4 && in_b[7:4] == 4'd4;
      pk_d.in_go6  = pk_d.commit && n_p_q.tunnel && !pk_d.nh4 && in_b[7:4] == 4'd6;
      pk_d.in_ihl  = in_b[3:0];
      pk_d.in_tl   = {in_b[23:16], in_b[31:24]};
      pk_d.in_len6 = 17'({in_b[39:32], in_b[47:40]}) + 17'(esp_rx_pkg::Ipv6HdrBytes);
      pk_d.plan4   = 15'({in_b[23:16], in_b[31:24]}) + (n_ipv6_q ? 15'd61 : 15'd41);
      pk_d.plan6   = 15'({in_b[39:32], in_b[47:40]}) + (n_ipv6_q ? 15'd101 : 15'd81);
    end

    // The recheck's answer, at OpAt - 1.
    assign fresh_now = cmt_verdict_i == esp_rx_replay_pkg::ReplayFresh;

    // The stages that change a frame on its way: OpAt takes the recheck's answer, Depth the
    // op's.
    always_comb begin
      // CmtAt: a tunnel's inner packet (packet section P8, the model's checks): dropped after
      // the ICV when malformed, the window and the SA's counters untouched; else counted and
      // delivered as long as its own length says.
      // The payload holds the inner packet: for IPv4, the total length (20 or more, so the
      // payload is too); for IPv6, 40 + the payload length (40 or more).
      at_cmt = pk_q[PkW*(CmtAt-1)-1 -: PkW];
      in_ok4 = at_cmt.in_go4 && at_cmt.in_ihl >= 4'd5 &&
               at_cmt.in_tl >= {10'd0, at_cmt.in_ihl, 2'd0} && 17'(at_cmt.in_tl) <= at_cmt.bytes;
      in_ok6 = at_cmt.in_go6 && at_cmt.in_len6 <= at_cmt.bytes;
      in_ok  = in_ok4 || in_ok6;
      // The lengths do not wait for the checks (a frame dropped uses neither).
      if (at_cmt.rec_tunnel) begin
        at_cmt.plan  = at_cmt.nh4 ? at_cmt.plan4 : at_cmt.plan6;
        at_cmt.bytes = at_cmt.nh4 ? 17'(at_cmt.in_tl) : at_cmt.in_len6;
      end
      if (at_cmt.commit && at_cmt.rec_tunnel) begin
        at_cmt.trim     = in_ok;
        at_cmt.commit   = in_ok;
        at_cmt.drop     = !in_ok;
        at_cmt.rec_drop = !in_ok;
      end
      at_op = pk_q[PkW*(OpAt-1)-1 -: PkW];
      if (at_op.commit) begin
        at_op.opv   = cmt_verdict_i != esp_rx_replay_pkg::ReplayInvalid;
        at_op.fresh = fresh_now;
      end
      at_ans = pk_q[PkW*AnsAt-1 -: PkW];
      if (at_ans.commit) begin
        at_ans.out      = at_ans.fresh && life_ans_pass_i;
        at_ans.drop     = !(at_ans.fresh && life_ans_pass_i);
        at_ans.rec_drop = !(at_ans.fresh && life_ans_pass_i);
      end
      if (at_ans.icv) begin
        at_ans.auth = life_ans_pass_i;
        at_ans.drop = !life_ans_pass_i;
      end
      v_cmt = pk_q[PkW*CmtAt-1 -: PkW];
      v_op  = pk_q[PkW*OpAt-1 -: PkW];
      v_out = pk_q[PkW*Depth-1 -: PkW];
    end

    always_ff @(posedge clk_i or negedge rst_ni) begin
      if (!rst_ni) begin
        pk_v_q      <= '0;
        pk_hist_q   <= '0;
        pk_recent_q <= 1'b0;
      end else begin
        pk_v_q      <= {pk_v_q[Depth-1:1], take};
        pk_hist_q   <= {pk_hist_q[0], take && n_pkt};
        pk_recent_q <= (take && n_pkt) || pk_hist_q != '0;
      end
    end

    // The stages have a reset so that none becomes a shift register (an SRL16E, which
    // synthesis makes of 3 or more plain registers in a row): the stages read here (the ops,
    // the answers, the counters and the record) would start at its output, whose
    // clock-to-out is five times a flip-flop's.
    always_ff @(posedge clk_i or negedge rst_ni) begin
      // Stage 1 takes the frame taken now, CmtAt, OpAt and Depth (AnsAt + 1) the changed
      // stages before them, the others the stage before.
      if (!rst_ni) pk_q <= '0;
      else         pk_q <= {at_ans, pk_q[PkW*(Depth-2)-1 : PkW*(OpAt-1)], at_op,
                            pk_q[PkW*(OpAt-2)-1 : PkW*(CmtAt-1)], at_cmt, pk_d};
    end

    always_ff @(posedge clk_i) begin
      // The op (a register of its own: Yosys takes no package type in a struct): from the
      // recheck, or the drop known at the take.
      if (at_op.commit) begin
        op_q <= fresh_now ? esp_pkt_life_pkg::OpCheck
              : cmt_verdict_i == esp_rx_replay_pkg::ReplayTooOld ? esp_pkt_life_pkg::OpDropA
                                                                : esp_pkt_life_pkg::OpDropB;
      end else begin
        op_q <= at_op.icv ? esp_pkt_life_pkg::OpDropC
              : at_op.too_old ? esp_pkt_life_pkg::OpDropA : esp_pkt_life_pkg::OpDropB;
      end
    end

    assign cmt_valid_o  = pk_v_q[CmtAt] && v_cmt.commit;
    assign cmt_idx_o    = IdxW'(v_cmt.idx);
    assign cmt_seq_o    = v_cmt.seq;
    assign life_valid_o = pk_v_q[OpAt] && v_op.opv;
    assign life_op_o    = op_q;
    assign life_index_o = IdxW'(v_op.idx);
    assign life_bytes_o = v_op.bytes;
    // A tunnel's frame ends after its inner packet: its plan, corrected at CmtAt.
    assign trim_v       = pk_v_q[CmtAt] && v_cmt.trim;
    assign trim_plan    = v_cmt.plan;

    always_comb begin
      cnt_in_q       = pk_v_q[Depth] && v_out.in;
      cnt_out_q      = pk_v_q[Depth] && v_out.out;
      cnt_bypass_q   = pk_v_q[Depth] && v_out.bypass;
      cnt_drop_q     = pk_v_q[Depth] && v_out.drop;
      cnt_auth_q     = pk_v_q[Depth] && v_out.auth;
      rec_o.pkt      = v_out.rec_pkt;
      rec_o.tunnel   = v_out.rec_tunnel;
      rec_o.ipv6     = v_out.rec_ipv6;
      rec_o.drop     = v_out.rec_drop;
      rec_o.next_hdr = v_out.rec_next_hdr;
      rec_o.sa_index = v_out.idx;
    end
    assign rec_valid_o = pk_v_q[Depth] && v_out.fwd;

    logic unused_ans;  // the answers' valid bits: the assertions below read them
    assign unused_ans = ^{cmt_valid_i, life_ans_valid_i};

`ifdef IPSEC_ASSERTIONS
    // The units' rules (esp_rx_replay: a commit per 4 clocks at most; esp_pkt_life: an RX op
    // per 4 clocks at most), and every answer where the pipeline reads it.
    logic [2:0] cmt_hist_q, op_hist_q;
    always_ff @(posedge clk_i or negedge rst_ni) begin
      if (!rst_ni) begin
        cmt_hist_q <= '0;
        op_hist_q  <= '0;
      end else begin
        cmt_hist_q <= {cmt_hist_q[1:0], cmt_valid_o};
        op_hist_q  <= {op_hist_q[1:0], life_valid_o};
        assert (!cmt_valid_o || cmt_hist_q == '0)
          else $error("esp_rx_read: two replay commits less than 4 clocks apart");
        assert (!life_valid_o || op_hist_q == '0)
          else $error("esp_rx_read: two lifetime ops less than 4 clocks apart");
        assert (cmt_valid_i == (pk_v_q[OpAt-1] && at_op.commit))
          else $error("esp_rx_read: a replay commit's answer out of its place");
        assert (life_ans_valid_i == (pk_v_q[AnsAt] && at_ans.opv))
          else $error("esp_rx_read: a lifetime op's answer out of its place");
      end
    end
`endif
  end

  assign cnt_dec_in_o        = cnt_in_q;
  assign cnt_dec_out_o       = cnt_out_q;
  assign cnt_dec_bypass_o    = cnt_bypass_q;
  assign cnt_dec_drop_o      = cnt_drop_q;
  assign cnt_dec_auth_fail_o = cnt_auth_q;

  // ---- The frame being issued -----------------------------------------------------------------
  logic             f_from_gcm_q, f_meta_q, f_len4_q, f_len6_q;
  logic [7:0]       f_synd_q, f_next_hdr_q;
  logic [31:0]      f_handle_q;
  logic [15:0]      f_ip_len_q, f_csum_part_q, f_ip_csum_q;
  logic [14:0]      f_plan_q;
  // PktOffload: a tunnel frame's plan cut after its inner packet (TFC padding), set at the
  // take's t + 2 (trim_v), before the token whose lastness it decides, and cleared with the
  // frame's last token; the frame's plan is the cut one while it is set.
  logic             f_trim_q;
  logic [14:0]      f_trim_plan_q, plan;
  logic [PtrW-1:0]  f_free_q, free_ptr_q;
  logic [CntW-1:0]  j_q;       // index of the token issued next
  logic [1:0]       idx_q;     // the same, saturating at 3
  logic [AddrW-1:0] addr_q;    // its buffer beat

  always_ff @(posedge clk_i) begin
    if (take) begin
      f_from_gcm_q  <= n_gcm_q;
      f_meta_q      <= !n_bypass_q;
      if (!n_gcm_q)               f_synd_q <= esp_pkg::SyndRxBadProto;
      else if (!done_i.tag_ok)    f_synd_q <= esp_pkg::SyndRxAuthFail;
      else if (done_i.trailer_ok) f_synd_q <= esp_pkg::SyndRxDecrypted;
      else                        f_synd_q <= esp_pkg::SyndRxBadProto;
      f_next_hdr_q  <= n_gcm_q && good ? done_i.next_hdr : 8'd0;
      f_handle_q    <= n_handle_q;
      // No trailer: pad, pad length, next header and ICV go; the IP length field follows.
      f_plan_q      <= n_gcm_q && strip ? n_plan_nt_q - 15'(done_i.pad_len) : n_plan_q;
      f_len4_q      <= n_gcm_q && strip && !n_ipv6_q;
      f_len6_q      <= n_gcm_q && strip && n_ipv6_q;
      f_ip_len_q    <= n_ip_len_q - 16'(done_i.pad_len);
      f_csum_part_q <= n_csum_part_q;
      f_free_q      <= n_free_q;
    end
    // The IPv4 header checksum anew, a clock after the length (its token is the third).
    f_ip_csum_q <= ~add1c(f_csum_part_q, f_ip_len_q);
  end

  if (PktOffload != 0) begin : g_trim
    always_ff @(posedge clk_i or negedge rst_ni) begin
      if (!rst_ni)                         f_trim_q <= 1'b0;
      else if (trim_v)                     f_trim_q <= 1'b1;
      else if (busy_q && credit && last_q) f_trim_q <= 1'b0;
    end
    always_ff @(posedge clk_i) begin
      if (trim_v) f_trim_plan_q <= trim_plan;
    end
    assign plan = f_trim_q ? f_trim_plan_q : f_plan_q;
  end else begin : g_no_trim
    assign f_trim_q      = 1'b0;
    assign f_trim_plan_q = '0;
    assign plan          = f_plan_q;
    logic unused_trim;
    assign unused_trim = ^{f_trim_q, f_trim_plan_q};
  end

  // The free pointer moves past a frame with its last token, or the clock after it was
  // dropped: either way to the frame's own register, loaded when it was taken.
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      busy_q     <= 1'b0;
      last_q     <= 1'b0;
      drop_q     <= 1'b0;
      free_ptr_q <= '0;
    end else begin
      drop_q <= drop_now;
      if (start)                         busy_q <= 1'b1;
      else if (busy_q && credit && last_q) busy_q <= 1'b0;
      // Whether the token issued next is the frame's last: token j + 1 is, if j is the
      // last's index minus one. Token 1 never is (see above).
      if (take)     last_q <= 1'b0;
      else if (adv) last_q <= j_q == plan[14:4];
      if (drop_q || (busy_q && credit && last_q)) free_ptr_q <= f_free_q;
    end
  end

  always_ff @(posedge clk_i) begin
    if (adv) begin
      j_q    <= busy_q ? j_q + CntW'(1) : CntW'(1);
      idx_q  <= busy_q ? (idx_q == 2'd3 ? 2'd3 : idx_q + 2'd1) : 2'd1;
      addr_q <= busy_q ? addr_q + AddrW'(1) : n_base_q + AddrW'(1);
    end
  end

  // ---- issue: the token ------------------------------------------------------------------------
  typedef struct packed {
    logic         rd;        // a buffer beat is read for this output beat
    logic         from_gcm;  // read the decrypted copy, else the frame as it arrived
    logic         first;
    logic         last;
    logic [15:0]  keep;
    logic         meta;      // metadata inserted after the MACs: the half-beat shift
    logic         len4;      // no trailer: this beat holds the IPv4 total length
    logic         len6;      // ... the IPv6 payload length
    logic         csum4;     // ... the IPv4 header checksum
  } tok_t;
  tok_t tok, s1_q;
  logic [15:0] keep_last;

  always_comb begin
    for (int i = 0; i < 16; i++) keep_last[i] = 4'(i) <= plan[3:0];
    if (busy_q) begin
      tok.rd       = !(last_q && f_meta_q && !plan[3]);
      tok.from_gcm = f_from_gcm_q;
      tok.first    = 1'b0;
      tok.last     = last_q;
      tok.keep     = last_q ? keep_last : 16'hffff;
      tok.meta     = f_meta_q;
      tok.len4     = f_len4_q && idx_q == 2'd1;
      tok.len6     = f_len6_q && idx_q == 2'd1;
      tok.csum4    = f_len4_q && idx_q == 2'd2;
    end else begin
      tok.rd       = 1'b1;
      tok.from_gcm = n_gcm_q;
      tok.first    = 1'b1;
      tok.last     = 1'b0;
      tok.keep     = 16'hffff;
      tok.meta     = !n_bypass_q;
      tok.len4     = 1'b0;
      tok.len6     = 1'b0;
      tok.csum4    = 1'b0;
    end
  end

  assign orig_re_o  = adv && tok.rd && !tok.from_gcm;
  assign gcm_re_o   = adv && tok.rd && tok.from_gcm;
  assign raddr_o    = busy_q ? addr_q : n_base_q;
  assign free_ptr_o = free_ptr_q;

`ifdef IPSEC_ASSERTIONS
  // The last-token flag, a token ahead, relies on a frame's second token not being its last.
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
    end else begin
      assert (!(busy_q && j_q == CntW'(1)) || plan[14:4] != '0)
        else $error("esp_rx_read: a frame of fewer than three output beats");
    end
  end
`endif

  // ---- format: the buffer read (registered in the RAM) and the token -------------------------
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) s1_valid_q <= 1'b0;
    else         s1_valid_q <= issue;
  end

  always_ff @(posedge clk_i) begin
    if (adv) s1_q <= tok;
  end

  logic [127:0] cur, fmt_data;
  logic [63:0]  hold_q, hold_d;

  always_comb begin
    cur = !s1_q.rd ? '0 : s1_q.from_gcm ? gcm_rdata_i : orig_rdata_i;
    if (!s1_q.meta) begin
      fmt_data = cur;
      hold_d   = hold_q;
    end else if (s1_q.first) begin
      // Bytes 12..15: 0x8C 0xE4, syndrome, next header (contract section 5).
      fmt_data = {f_next_hdr_q, f_synd_q, esp_pkg::MetaEthertype[7:0],
                  esp_pkg::MetaEthertype[15:8], cur[95:0]};
      // Then sw_sa_handle (big-endian) and the original bytes 12..15.
      hold_d   = {cur[127:96], f_handle_q[7:0], f_handle_q[15:8], f_handle_q[23:16],
                  f_handle_q[31:24]};
    end else begin
      fmt_data = {cur[63:0], hold_q};
      hold_d   = cur[127:64];
    end
    // No-trailer length fields: frame bytes 16..17 (IPv4 total length), 18..19 (IPv6
    // payload length), 24..25 (IPv4 checksum), 8 bytes later in the output.
    if (s1_q.len4)  fmt_data[79:64] = {f_ip_len_q[7:0], f_ip_len_q[15:8]};
    if (s1_q.len6)  fmt_data[95:80] = {f_ip_len_q[7:0], f_ip_len_q[15:8]};
    if (s1_q.csum4) fmt_data[15:0]  = {f_ip_csum_q[7:0], f_ip_csum_q[15:8]};
  end

  always_ff @(posedge clk_i) begin
    if (s1_valid_q) hold_q <= hold_d;
  end

  // ---- Output queue, passed through while empty ----------------------------------------------
  typedef struct packed {
    logic         last;
    logic [15:0]  keep;
    logic [127:0] data;
  } out_beat_t;
  out_beat_t fmt_beat, q_head;
  logic q_empty, q_push, q_pop;

  always_comb begin
    fmt_beat.last = s1_q.last;
    fmt_beat.keep = s1_q.keep;
    fmt_beat.data = fmt_data;
  end

  assign q_push = s1_valid_q && !(q_empty && m_axis_tready_i);
  assign q_pop  = !q_empty && m_axis_tready_i;

  sync_fifo #(.Width($bits(fmt_beat)), .Depth(ODepth)) u_outq (
    .clk_i, .rst_ni,
    .push_i (q_push), .data_i (fmt_beat),
    .pop_i  (q_pop), .data_o (q_head),
    .empty_o (q_empty), .full_o (), .almost_full_o (), .count_o (ocount)
  );

  assign m_axis_tvalid_o = s1_valid_q || !q_empty;
  assign m_axis_tdata_o  = q_empty ? fmt_data      : q_head.data;
  assign m_axis_tkeep_o  = q_empty ? fmt_beat.keep : q_head.keep;
  assign m_axis_tlast_o  = q_empty ? fmt_beat.last : q_head.last;

endmodule
