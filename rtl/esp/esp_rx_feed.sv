// RX feed: takes the wire beats out of the input FIFO, frame by frame once the frame's
// header record (and, for an ESP candidate, its SA lookup result) is in, and
//  - writes every beat into the frame buffer as it arrived (cut at MaxFrame),
//  - passes the beats of a frame to decrypt through esp_gcm, up to the beat holding the
//    end of the datagram (the ICV's last byte); whatever follows it (Ethernet padding)
//    only goes to the buffer,
//  - queues one descriptor per frame, with its fate, the clock after its last beat is in
//    (the frame's length and its datagram's end are registered with the last beat, the
//    fate worked out from them: at most 5 LUT levels either side).
//
// Timing: whether the beat at the head moves reads registers and the queues' heads (in
// esp_rx the record and lookup result heads are registers, head_fifo), so that the pops
// it drives stay within 5 LUT levels: the beat counter's facts (below the frame cut, at or
// before the ICV's beat) are registered a beat ahead, and the buffer's and the descriptor
// queue's room a clock ahead, each with the margin of the one write or push that clock may
// add (a beat of buffer, a descriptor).
//
// Valid never depends on ready: the beat is offered to esp_gcm once everything else it
// needs holds (the head record and lookup result, buffer room, descriptor and base queue
// room), and each of those only stays true while the beat waits (only this block adds to
// those queues, and the buffer only frees), so the offer stands until esp_gcm takes it.
//
// A frame to decrypt enters esp_gcm before its length is known. If it then ends before its
// datagram does (truncated: its IP length runs past its end), its last beat ends the esp_gcm
// frame too, and esp_gcm cuts it there; the frame ends as dec_drop and its status is
// discarded. So a truncated frame costs its own beats and not one clock more, whatever
// length its header claims (a frame built to make the engine wait gains nothing).
//
// Buffer space is taken when a beat is written here; the read side frees it. Frames that
// are not decrypted (bypass, drops) never enter esp_gcm.
//
// With PktOffload (packet section P4), the lookup's result comes with the packet mark, the
// SA's index and mode and the replay check's answer (`res_pkt_i`): a frame of a packet SA
// takes the check's inferred high half into its AAD (esp_rx puts it in the context's esn_hi,
// with ESN_OVERLAP clear: packet SAs do not use them, P8), and a frame the check refuses (a
// number left of the window, sequence number 0) does not enter esp_gcm: it ends as a
// truncated frame does (dec_in + dec_drop), its replay counter kept with it (`pdesc_o`,
// queued beside the descriptor) for the read side, which counts it in the SA.
module esp_rx_feed #(
  parameter int MaxFrame   = 9216,
  parameter int DescDepth  = 32,   // the descriptor queue's
  parameter int PktOffload = 0
) (
  input  logic                                clk_i,
  input  logic                                rst_ni,

  // Wire beats, in arrival order.
  input  logic                                in_valid_i,
  input  esp_rx_pkg::rx_beat_t                in_beat_i,
  output logic                                in_pop_o,

  // One parser record per frame; one lookup result per record that looked up an SA.
  input  logic                                rec_valid_i,
  input  esp_rx_pkg::rx_parse_t               rec_i,
  output logic                                rec_pop_o,
  input  logic                                res_valid_i,
  input  logic                                res_hit_i,
  input  sadb_pkg::sa_ctx_t                   res_ctx_i,
  input  esp_rx_pkg::rx_pkt_res_t             res_pkt_i,   // with PktOffload, beside the hit
  output logic                                res_pop_o,

  // esp_gcm input.
  output logic                                gcm_valid_o,
  input  logic                                gcm_ready_i,
  output logic [127:0]                        gcm_data_o,
  output logic [15:0]                         gcm_keep_o,
  output logic                                gcm_last_o,
  output esp_pkg::gcm_ctx_t                   gcm_ctx_o,

  // Frame buffer, write side.
  input  logic [esp_rx_pkg::BufPtrW-1:0]      free_ptr_i,  // read side: all before is free
  output logic                                buf_we_o,
  output logic [esp_rx_pkg::BufAddrW-1:0]     buf_waddr_o,
  output logic [127:0]                        buf_wdata_o,

  // Where each frame entering esp_gcm is stored, for its decrypted copy.
  output logic                                gbase_push_o,
  output logic [esp_rx_pkg::BufAddrW-1:0]     gbase_o,
  input  logic                                gbase_full_i,

  // One descriptor per frame, in arrival order.
  output logic                                desc_push_o,
  output esp_rx_pkg::rx_desc_t                desc_o,
  output esp_rx_pkg::rx_pkt_desc_t            pdesc_o,     // with PktOffload, with desc_o
  input  logic [$clog2(DescDepth):0]          desc_count_i  // entries in the queue
);

  localparam int PtrW     = esp_rx_pkg::BufPtrW;
  localparam int CntW     = esp_rx_pkg::BeatCntW;
  localparam int MaxBeats = (MaxFrame + 15) / 16;
  // The text starts after Ethernet, IP, ESP header and IV (RFC 4303 section 2, RFC 4106
  // section 3).
  localparam logic [esp_pkg::PosW-1:0] TextStart4 =
      esp_pkg::PosW'(esp_rx_pkg::EthHdrBytes + esp_rx_pkg::Ipv4HdrBytes + esp_pkg::EspHdrBytes +
                     esp_pkg::EspIvBytes);
  localparam logic [esp_pkg::PosW-1:0] TextStart6 =
      esp_pkg::PosW'(esp_rx_pkg::EthHdrBytes + esp_rx_pkg::Ipv6HdrBytes + esp_pkg::EspHdrBytes +
                     esp_pkg::EspIvBytes);


  // ---- The frame at the head of the queues ------------------------------------------------
  logic head_ready, head_hit, head_gcm, head_pkt, head_rbad;
  assign head_ready = rec_valid_i && (!rec_i.looked_up || res_valid_i);
  assign head_hit   = rec_i.looked_up && res_hit_i;
  // A packet SA's frame the replay check refuses skips esp_gcm (packet section P4, step 1).
  assign head_pkt   = PktOffload != 0 && head_hit && res_pkt_i.pkt;
  assign head_rbad  = head_pkt && res_pkt_i.verdict != 2'(esp_rx_replay_pkg::ReplayFresh);
  assign head_gcm   = head_hit && rec_i.hdr_ok && !head_rbad;

  // RFC 4106 section 3: nonce = salt || IV. Section 5: AAD = SPI || SN, or with extended
  // sequence numbers SPI || SN_hi || SN_lo, SN_hi inferred as in RFC 4303 appendix A: with
  // the window across a 2^32 boundary (ESN_OVERLAP), a low SN_lo belongs to the next epoch.
  logic [31:0] sn_hi;
  always_comb begin
    sn_hi = res_ctx_i.esn_hi;
    if (res_ctx_i.esn_overlap && !rec_i.sn[31]) sn_hi = res_ctx_i.esn_hi + 32'd1;
    gcm_ctx_o.mode       = head_gcm ? esp_pkg::GcmDecrypt : esp_pkg::GcmNone;
    gcm_ctx_o.key        = res_ctx_i.key;
    gcm_ctx_o.key256     = res_ctx_i.key256;
    gcm_ctx_o.nonce      = {res_ctx_i.salt, rec_i.iv};
    gcm_ctx_o.aad        = res_ctx_i.esn_en ? {rec_i.spi, sn_hi, rec_i.sn} : {rec_i.spi, rec_i.sn, 32'b0};
    gcm_ctx_o.aad12      = res_ctx_i.esn_en;
    gcm_ctx_o.text_start = rec_i.ipv6 ? TextStart6 : TextStart4;
    gcm_ctx_o.text_len   = rec_i.text_len;
  end

  // ---- The frame being fed -----------------------------------------------------------------
  logic            in_frame_q;   // between the first and the last beat of a frame
  logic [CntW-1:0] k_q;          // beat index, saturating at MaxBeats
  logic [PtrW-1:0] wa_q;         // buffer write pointer
  logic            hit_q, gcm_q, meta_q, ipv6_q;
  logic [9:0]      icv_beat_q, icv_m1_q;  // the ICV's beat, and one before
  logic [16:0]     dgram_len_q;
  logic [15:0]     csum_part_q;
  logic [31:0]     handle_q;
  logic [PtrW-1:0] base_q;

  logic            first, f_hit, f_gcm, f_meta, f_ipv6;
  logic [16:0]     f_dgram_len;
  logic [15:0]     f_csum_part;
  logic [31:0]     f_handle;
  logic [PtrW-1:0] f_base, used;
  logic [CntW-1:0] k, k_next;
  logic            store, to_gcm, offer, go, beat_last;
  logic            go_common, go_first, go_next;
  logic            store_q;    // beat k_q is below the cut at MaxFrame (is stored)
  logic            more_q;     // beat k_q goes to esp_gcm: at or before the ICV's beat
  logic            icv_q;      // beat k_q is the ICV's beat
  logic            room_q;     // the buffer has room for this clock's beat
  logic            desc_ok_q;  // the descriptor queue has room for a frame ending now
  logic            d_valid_q;  // a descriptor for the queue this clock

  always_comb begin
    first       = !in_frame_q;
    f_hit       = first ? head_hit          : hit_q;
    f_gcm       = first ? head_gcm          : gcm_q;
    f_meta      = first ? rec_i.meta        : meta_q;
    f_ipv6      = first ? rec_i.ipv6        : ipv6_q;
    f_dgram_len = first ? rec_i.dgram_len   : dgram_len_q;
    f_csum_part = first ? rec_i.csum_part   : csum_part_q;
    f_handle    = first ? res_ctx_i.handle  : handle_q;
    f_base      = first ? wa_q              : base_q;
    k           = first ? '0                : k_q;

    store     = first || store_q;
    k_next    = store ? k + CntW'(1) : k;
    to_gcm    = first ? head_gcm : more_q;
    beat_last = in_beat_i.last;

    // A frame's first beat and the beats after it move on separately: the queues' pops
    // follow the first alone. What every beat needs reads registers only: the descriptor
    // queue's room is asked of every beat, not only of a frame's last, so that the beat's
    // own bits (a LUTRAM read) reach no move decision. It is short only when 30 descriptors
    // wait for the read side, which then holds the frames back anyway.
    go_common = in_valid_i && (!store || room_q) && desc_ok_q;
    go_first  = first && go_common && head_ready && (!head_gcm || (!gbase_full_i && gcm_ready_i));
    go_next   = !first && go_common && (!more_q || gcm_ready_i);
    go        = go_first || go_next;
    offer     = go_common && (!first || (head_ready && (!head_gcm || !gbase_full_i)));

    gcm_valid_o = offer && to_gcm;
    gcm_data_o  = in_beat_i.data;
    gcm_keep_o  = in_beat_i.keep;
    gcm_last_o  = (first ? rec_i.icv_beat == '0 : icv_q) || beat_last;

    in_pop_o     = go;
    rec_pop_o    = go_first;
    res_pop_o    = go_first && rec_i.looked_up;
    buf_we_o     = go && store;
    buf_waddr_o  = wa_q[PtrW-2:0];
    buf_wdata_o  = in_beat_i.data;
    gbase_push_o = go_first && head_gcm;
    gbase_o      = wa_q[PtrW-2:0];

  end

  // Buffer room a clock ahead: beats in use now, plus the one this clock may write, leave
  // room for one more (the read side only ever frees).
  assign used = wa_q - free_ptr_i;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      in_frame_q <= 1'b0;
      k_q        <= '0;
      store_q    <= 1'b1;
      more_q     <= 1'b0;
      icv_q      <= 1'b0;
      wa_q       <= '0;
      room_q     <= 1'b1;
      desc_ok_q  <= 1'b1;
    end else begin
      room_q    <= used <= PtrW'(esp_rx_pkg::BufDepth - 2);
      // A descriptor pushed now (d_valid_q), and one for a frame ending now, leave room for
      // one for a frame ending next clock.
      desc_ok_q <= 32'(desc_count_i) + 32'(d_valid_q) <= DescDepth - 2;
      if (go) begin
        in_frame_q <= !beat_last;
        if (beat_last) begin
          k_q     <= '0;
          store_q <= 1'b1;
        end else begin
          k_q     <= k_next;
          store_q <= store && k < CntW'(MaxBeats - 1);
          // f_gcm && k_next <= the ICV's beat, and k_next == it: from registers, with
          // the comparisons of k_q + 1 made against the ICV's beat less one.
          more_q  <= first   ? head_gcm && rec_i.icv_beat != '0 :
                     gcm_q && (store_q ? k_q <= CntW'(icv_m1_q) : k_q <= CntW'(icv_beat_q));
          icv_q   <= first   ? rec_i.icv_beat == 10'd1 :
                     store_q ? k_q == CntW'(icv_m1_q) : k_q == CntW'(icv_beat_q);
        end
        if (store) wa_q <= wa_q + PtrW'(1);
      end
    end
  end

  // ---- The descriptor: the last beat's facts registered, the fate a clock later ----------
  logic            d_user_q, d_store_q, d_hit_q, d_gcm_q, d_meta_q, d_ipv6_q;
  logic [CntW-1:0] d_k_q;
  logic [CntW+4:0] d_frame_len_q;  // L
  logic [16:0]     d_dgram_len_q;
  logic [17:0]     d_dgram_end_q;  // 14 + T
  logic [15:0]     d_csum_part_q;
  logic [31:0]     d_handle_q;
  logic [PtrW-1:0] d_base_q;
  logic [CntW+4:0] frame_len;
  logic            oversize, drop;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) d_valid_q <= 1'b0;
    else         d_valid_q <= go && beat_last;
  end

  always_ff @(posedge clk_i) begin
    if (go && beat_last) begin
      d_user_q      <= in_beat_i.user;
      d_store_q     <= store;
      d_k_q         <= k;
      d_frame_len_q <= {k, 4'b0} + (CntW+5)'(esp_pkg::keep_count(in_beat_i.keep));
      d_hit_q       <= f_hit;
      d_gcm_q       <= f_gcm;
      d_meta_q      <= f_meta;
      d_ipv6_q      <= f_ipv6;
      d_dgram_len_q <= f_dgram_len;
      d_dgram_end_q <= 18'(f_dgram_len) + 18'(esp_rx_pkg::EthHdrBytes);
      d_csum_part_q <= f_csum_part;
      d_handle_q    <= f_handle;
      d_base_q      <= f_base;
    end
  end

  always_comb begin
    frame_len = d_frame_len_q;
    oversize  = !d_store_q || frame_len > (CntW+5)'(MaxFrame);
    drop      = d_user_q || frame_len < (CntW+5)'(esp_pkg::MinFrame) || oversize || d_meta_q;
    desc_push_o = d_valid_q;
    if (drop)                 desc_o.fate = esp_rx_pkg::RxDrop;
    else if (!d_hit_q)        desc_o.fate = esp_rx_pkg::RxBypass;
    else if (!d_gcm_q || d_dgram_end_q > 18'(frame_len))
                              desc_o.fate = esp_rx_pkg::RxTrunc;
    else                      desc_o.fate = esp_rx_pkg::RxGcm;
    desc_o.in_gcm    = d_gcm_q;
    desc_o.base      = d_base_q;
    desc_o.nbeats    = d_store_q ? d_k_q + CntW'(1) : CntW'(MaxBeats);
    desc_o.frame_len = frame_len[13:0];
    desc_o.ipv6      = d_ipv6_q;
    desc_o.dgram_len = d_dgram_len_q;
    desc_o.csum_part = d_csum_part_q;
    desc_o.handle    = d_handle_q;
  end

  // ---- Packet offload: what the read side needs of a packet SA's frame ----------------------
  if (PktOffload != 0) begin : g_pkt
    logic        pkt_q, rbad_q, gcm0_q, tunnel_q;
    logic [15:0] idx_q;
    logic [1:0]  verdict_q;
    logic [63:0] seq_q;
    logic        d_pkt_q, d_rbad_q, d_gcm0_q, d_tunnel_q;
    logic [15:0] d_idx_q;
    logic [1:0]  d_verdict_q;
    logic [63:0] d_seq_q;

    always_ff @(posedge clk_i) begin
      if (go && first) begin
        pkt_q     <= head_pkt;
        rbad_q    <= head_rbad;
        gcm0_q    <= head_hit && rec_i.hdr_ok;
        tunnel_q  <= res_pkt_i.tunnel;
        idx_q     <= res_pkt_i.idx;
        verdict_q <= res_pkt_i.verdict;
        seq_q     <= {res_pkt_i.seq_hi, rec_i.sn};
      end
      if (go && beat_last) begin
        // A frame of one beat looked nothing up (the lookup needs beat 2 at least).
        d_pkt_q     <= !first && pkt_q;
        d_rbad_q    <= rbad_q;
        d_gcm0_q    <= gcm0_q;
        d_tunnel_q  <= tunnel_q;
        d_idx_q     <= idx_q;
        d_verdict_q <= verdict_q;
        d_seq_q     <= seq_q;
      end
    end

    // Counted in the SA only as the model counts it: a truncated frame is not (the model's
    // order: truncation, then the replay check), nor one dropped before classification (the
    // read side masks both flags with the fate's RxDrop: `drop` is deep logic already).
    always_comb begin
      pdesc_o.pkt     = d_pkt_q;
      pdesc_o.rdrop   = d_pkt_q && d_rbad_q && d_gcm0_q && !(d_dgram_end_q > 18'(frame_len));
      pdesc_o.tunnel  = d_tunnel_q;
      pdesc_o.idx     = d_idx_q;
      pdesc_o.verdict = d_verdict_q;
      pdesc_o.seq     = d_seq_q;
    end
  end else begin : g_no_pkt
    assign pdesc_o = '0;
    logic unused_pkt;  // the mode, the index, the high half: read with packet offload only
    assign unused_pkt = ^{res_pkt_i.tunnel, res_pkt_i.idx, res_pkt_i.seq_hi};
  end

  always_ff @(posedge clk_i) begin
    if (go && first) begin
      hit_q       <= f_hit;
      gcm_q       <= f_gcm;
      meta_q      <= f_meta;
      ipv6_q      <= f_ipv6;
      icv_beat_q  <= rec_i.icv_beat;
      icv_m1_q    <= rec_i.icv_beat - 10'd1;
      dgram_len_q <= f_dgram_len;
      csum_part_q <= f_csum_part;
      handle_q    <= f_handle;
      base_q      <= f_base;
    end
  end

endmodule
