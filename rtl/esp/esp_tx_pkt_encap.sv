// TX packet offload (docs/packet_offload.md, packet section P3), in front of the crypto
// path: each frame of metadata syndrome 0x0A (the plain IP packet, bytes 3-4 of the metadata
// the SA's table index, bytes 5-6 the low 16 bits of its handle) leaves as the crypto-offload
// frame the host would have built for it (contract sections 5 and 6): metadata 0x08 whose
// byte 7 is the trailer's next header, the IP header with protocol / next header 50 and the
// length grown by the ESP header and IV (transport), or a new outer header (tunnel), then
// the ESP header (SPI, sequence number's low 32 bits), the IV (the 64-bit sequence number,
// big-endian), then the payload or the whole inner packet. esp_tx then pads, encrypts and
// appends the ICV as for any crypto-offload frame. Every other frame passes byte for byte.
//
// Insertion: 16 bytes at frame byte 42 (transport IPv4) or 62 (transport IPv6), 36 or 56
// bytes at byte 22 (tunnel, outer IPv4 / IPv6): after it the input moves by 0, 4 or 8 lanes,
// so the realigner is a 4-way lane mux per byte (input lane l, l-4, l-8, or the overlay of
// built bytes), with the previous input beat for the lanes that wrap.
//
// Stages (every frame, every beat):
//   S1: the input beat, registered, with what the decision needs of beat 1 (family,
//       header checks, the lengths it may write) computed as it is taken. As beat 1 is
//       taken (it completes the index) the SA's state is read from block RAM; while beat 1
//       is in S1 the state is out and the decision is made: drop or not, the overlay bytes
//       of output beats 1..4, the lane schedule, the checksum's carry-save terms, loaded
//       into em_* on the first clock the frame before has left entirely (at the latest on
//       the clock beat 1 moves on). The sequence number + 1 is written back while the
//       frame's last beat is in S1, if the frame proved whole (no runt, no MAC error, the
//       datagram inside it): a frame dropped for what its end shows takes no number.
//   S2: the beat the emitter works on; the emitter's output goes into a skid register (the
//       m_axis port). An output beat that inserts bytes leaves without taking S2's beat,
//       and the input stalls for that clock (s_axis_tready low).
// Latency: 3 clocks for every frame, 0x0A or not (a beat taken at edge E is on m_axis after
// edge E + 2, taken at E + 3 by a ready sink); one beat per clock without bubbles at the
// input and at the output; a frame's output is longer by its inserted beats (and a tail
// beat when the last input bytes spill over), which the input waits for.
//
// Lengths come from the IP header (IPv4 total length, IPv6 payload length + 40). Bytes after
// the datagram (Ethernet padding of a short packet) in the beat of its last byte stay after
// it, moved with it: esp_tx discards what follows the datagram of a crypto-offload frame
// (esp_tx_edit), and a frame grown by 16 or more bytes needs no padding of its own. Whole
// beats after that beat are not carried (the emitter's pad_end): a 40-byte packet padded to
// 60 bytes leaves as 5 beats, the wire's, not 6, so that such frames back to back keep one
// beat per clock through the crypto path.
//
// A dropped 0x0A frame leaves with tuser set on its last beat: esp_tx counts it in enc_drop
// and never in enc_in (contract section 4: a MAC error is not classified), dropping it
// outright when it ends within the parser's window (esp_tx_parse, a_drop_early) and marking
// a longer one for the wire MAC to discard (esp_tx_edit, mac_err), as the datapath model
// does (sim/model/esp_model.cpp, tx_path). It leaves otherwise unchanged but for beat 0's
// bytes 14 and 15 (syndrome 0x08, index high byte 0), which leave before the decision is
// made: its content is never used downstream, and holding beat 0 for the decision would
// cost every frame a clock.
//
// Per-SA state: two block RAMs written by the state write port (sw_*: the SA command
// executor, at ADD_SA_PKT and DEL_SA), one of them (the sequence numbers) also by the
// write-back; a one-bit memory of hard-expired marks (hx_*: the lifetime unit). After reset
// the stage clears every entry (Sas clocks, input and sw port not ready meanwhile).
module esp_tx_pkt_encap #(
  parameter int Sas      = 1024,  // packet SA table entries (indices 0 .. Sas-1), a power of two
  parameter int MaxFrame = 9216   // the largest frame esp_tx takes
) (
  input  logic                    clk_i,
  input  logic                    rst_ni,

  // Host TX in (as esp_tx's s_axis).
  input  logic                    s_axis_tvalid_i,
  output logic                    s_axis_tready_o,
  input  logic [127:0]            s_axis_tdata_i,
  input  logic [15:0]             s_axis_tkeep_i,
  input  logic                    s_axis_tlast_i,
  input  logic                    s_axis_tuser_i,

  // To esp_tx's s_axis; tuser on a last beat: the frame is dropped there.
  output logic                    m_axis_tvalid_o,
  input  logic                    m_axis_tready_i,
  output logic [127:0]            m_axis_tdata_o,
  output logic [15:0]             m_axis_tkeep_o,
  output logic                    m_axis_tlast_o,
  output logic                    m_axis_tuser_o,
  // Beside each beat from beat 1 on of a frame this stage encapsulated (a 0x0A frame it
  // sends on): its SA's index, for esp_tx's lookup by index (beat 0 and every other
  // frame: tpkt low).
  output logic                    m_axis_tpkt_o,
  output logic [15:0]             m_axis_tindex_o,

  // State write port: one SA's state per handshake, in effect for frames whose beat 1 is
  // taken after the handshake's edge (a frame whose beat 1 is taken on that very edge read
  // the state before it, and is dropped: PktStale). sw_ready_o is an AND of registers: low
  // from the read of a 0x0A frame's state until its last beat has left S1 if it takes a
  // number (high on every frame's beat 0 then: at least one clock a frame), and for the
  // Sas clocks of the clearing after reset.
  input  logic                    sw_valid_i,
  output logic                    sw_ready_o,
  input  logic [$clog2(Sas)-1:0]  sw_index_i,
  input  esp_pkg::tx_pkt_sa_t     sw_sa_i,

  // Hard-expired marks (packet section P3, lifetimes): a marked SA's frames are dropped
  // (PktExpired) from the first whose beat 1 is taken after the write's edge. The lifetime
  // unit sets the mark when a count reaches its hard limit and clears it when the SA is
  // added again.
  input  logic                    hx_valid_i,
  input  logic [$clog2(Sas)-1:0]  hx_index_i,
  input  logic                    hx_expired_i,

  // One event per 0x0A frame, the clock after its last beat left S2 (when its fate is
  // known whole): its index and IP length for the lifetime counts of a frame sent
  // (PktSent), PktExhausted for seq_exhausted and the hard event. esp_tx counts a frame
  // marked with tuser in enc_drop alone; a packet SA's refusal (every fate but PktSent and
  // PktTruncated) is classified, and counts in enc_in from this event.
  output logic                    ev_valid_o,
  output esp_pkg::tx_pkt_event_t  ev_o
);

  localparam int PosW = esp_pkg::PosW;
  localparam int IdxW = $clog2(Sas);
  localparam int CntW = PosW - 4;  // beat index in a frame, saturating

  typedef struct packed {
    logic         user;
    logic         last;
    logic [15:0]  keep;
    logic [127:0] data;
  } beat_t;

  // What the emitter does in one of output beats 1..5 of an encapsulated frame (beat 0
  // and the beats after 5 are always: take the input beat, shifted by the frame's shift).
  typedef struct packed {
    logic       hold;   // an inserted beat: the input beat stays in S2
    logic [1:0] sh;     // input lanes shifted by 0, 4 or 8
    logic       pchk;   // the insertion beat: a frame ending before the insertion point
    logic       csum;   // lanes 0-1 are the IPv4 header checksum (frame bytes 32-33)
  } step_t;

  typedef struct packed {
    logic         valid;
    logic [15:0]  handle;
    logic [31:0]  spi;
    logic         esn;
    logic         tunnel;
    logic         outer6;
    logic [127:0] sip;
    logic [127:0] dip;
    logic [7:0]   ttl;
    logic [7:0]   tos;
    logic [1:0]   flags;
    logic [19:0]  flow;
  } cfg_t;

  // ---- clearing after reset ----------------------------------------------------------------
  logic            init_q;
  logic [IdxW-1:0] init_idx_q;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      init_q     <= 1'b1;
      init_idx_q <= '0;
    end else if (init_q) begin
      init_idx_q <= init_idx_q + 1'b1;
      if (&init_idx_q) init_q <= 1'b0;
    end
  end

  // ---- input and S1 ----------------------------------------------------------------------------
  beat_t           in_beat, s1_q, s2_q;
  logic            in_fire, s1_valid_q, s1_move, s2_valid_q, s2_free, em_loaded_q, tail_q;
  // The padding after a short datagram (see the emitter): S1's or S2's beat holds the
  // datagram's last byte (s1_dend_q, s2_dend_q). Beats after it are padding: taken into S1's
  // beat as they come while it waits there (s1_absorb: only the last one's end and MAC
  // error are kept), or, once it is in S2, dropped from S1 (s1_drop) and the last taken into
  // S2's beat as the frame's end (pad_merge).
  logic            s1_dend_q, s2_dend_q, s2_pwait_q, s2_dspill_q, s1_pwait, s1_absorb, s1_drop;
  logic            pad_end;
  logic            pad_merge;
  logic            s1_runt_q;
  logic [CntW-1:0] in_cnt_q, s1_cnt_q;
  logic            in_oa_q, in_oa, s1_oa_q, s1_first_q, s1_b1_q;
  logic [7:0]      idx_hi_q;
  logic [15:0]     in_idx, s1_idx_q;

  assign in_beat.user = s_axis_tuser_i;
  assign in_beat.last = s_axis_tlast_i;
  assign in_beat.keep = s_axis_tkeep_i;
  assign in_beat.data = s_axis_tdata_i;

  // Beat 0 of a 0x0A frame: EtherType 0x8CE4 in bytes 12-13, syndrome 0x0A in byte 14.
  assign in_oa = s_axis_tkeep_i[14] &&
                 {s_axis_tdata_i[8*12 +: 8], s_axis_tdata_i[8*13 +: 8]} == esp_pkg::MetaEthertype &&
                 s_axis_tdata_i[8*14 +: 8] == esp_pkg::SyndTxPkt;
  // The index, be16 in frame bytes 15-16: the high byte from beat 0, the low from beat 1.
  assign in_idx = {idx_hi_q, s_axis_tdata_i[7:0]};

  // A 0x0A frame's beat 1 moves on with its decision loaded (the same clock at the latest).
  assign s1_move         = s1_valid_q && s2_free &&
                           (!(s1_b1_q && s1_oa_q) || em_loaded_q || !tail_q);
  // S1 holds the datagram's last byte and the frame goes on (registers only); a beat taken
  // while it stays there is absorbed.
  assign s1_pwait        = s1_valid_q && s1_dend_q && !s1_q.last && !s1_first_q && s1_oa_q &&
                           em_take_q;
  assign s1_absorb       = s1_pwait && !s1_move;
  assign s_axis_tready_o = !init_q && (!s1_valid_q || s1_move || s1_drop || s1_pwait);
  assign in_fire         = s_axis_tvalid_i && s_axis_tready_o;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      in_cnt_q   <= '0;
      in_oa_q    <= 1'b0;
      s1_valid_q <= 1'b0;
    end else begin
      if (in_fire) begin
        if (s_axis_tlast_i)   in_cnt_q <= '0;
        else if (~&in_cnt_q)  in_cnt_q <= in_cnt_q + 1'b1;
        if (in_cnt_q == '0)   in_oa_q  <= in_oa;
      end
      if (in_fire)                 s1_valid_q <= 1'b1;
      else if (s1_move || s1_drop) s1_valid_q <= 1'b0;
    end
  end

  // What the decision needs of beat 1 (frame bytes 16..31), computed as it is taken so that
  // the decision starts from registers: the family, the header checks, and every length
  // the frame may need, each from the field as it stands (lane n: frame byte 16 + n).
  logic [15:0] in_tot, in_pay;
  logic [7:0]  in_b6, in_nh6;
  logic        in_v4, in_v6, in_ext6, in_badt, in_badu, in_big4, in_big6;
  logic        s1_v4_q, s1_v6_q, s1_ext6_q, s1_badt_q, s1_badu_q, s1_big4_q, s1_big6_q;
  logic [15:0] s1_tot16_q, s1_tot36_q, s1_pay16_q, s1_pay56_q, s1_pay76_q;
  logic [16:0] s1_dg4_q, s1_dg6_q, s1_need4_q, s1_need6_q;

  always_comb begin
    in_tot  = {s_axis_tdata_i[8*8 +: 8], s_axis_tdata_i[8*9 +: 8]};
    in_pay  = {s_axis_tdata_i[8*10 +: 8], s_axis_tdata_i[8*11 +: 8]};
    in_b6   = s_axis_tdata_i[8*6 +: 8];
    in_nh6  = s_axis_tdata_i[8*12 +: 8];
    in_v4   = {s_axis_tdata_i[8*4 +: 8], s_axis_tdata_i[8*5 +: 8]} == esp_pkg::EthertypeIpv4 &&
              in_b6[7:4] == 4'd4;
    in_v6   = {s_axis_tdata_i[8*4 +: 8], s_axis_tdata_i[8*5 +: 8]} == esp_pkg::EthertypeIpv6 &&
              in_b6[7:4] == 4'd6;
    // IPv6 extension headers (IANA's list): ESP goes after them, not in front; transport
    // takes IPv6 without them (packet section P3).
    unique case (in_nh6)
      8'd0, 8'd43, 8'd44, 8'd50, 8'd51, 8'd60, 8'd135, 8'd139, 8'd140, 8'd253, 8'd254:
               in_ext6 = 1'b1;
      default: in_ext6 = 1'b0;
    endcase
    // IPv4: transport takes no options and no fragment (ESP is applied before
    // fragmentation, RFC 4303 section 3.3.4: MF or an offset in bytes 28-29, lanes 12-13);
    // tunnel any header length the total length holds.
    // (With IHL 5 a total length below 20 is in_badu's: one compare serves both.)
    in_badu = in_b6[3:0] < 4'd5 || in_tot < {10'b0, in_b6[3:0], 2'b0};
    in_badt = in_b6[3:0] != 4'd5 || in_badu || s_axis_tdata_i[8*12+5] ||
              {s_axis_tdata_i[8*12 +: 5], s_axis_tdata_i[8*13 +: 8]} != 13'd0;
    // A datagram longer than any frame is never inside one (and every grown length then
    // fits its 16 bits).
    in_big4 = in_tot > 16'(MaxFrame - 22);
    in_big6 = in_pay > 16'(MaxFrame - 62);
  end

  always_ff @(posedge clk_i) begin
    if (in_fire) begin
      s1_v4_q    <= in_v4;
      s1_v6_q    <= in_v6;
      s1_ext6_q  <= in_ext6;
      s1_badt_q  <= in_badt;
      s1_badu_q  <= in_badu;
      s1_big4_q  <= in_big4;
      s1_big6_q  <= in_big6;
      s1_tot16_q <= in_tot + 16'd16;   // transport IPv4; IPv4 in an outer IPv6
      s1_tot36_q <= in_tot + 16'd36;   // IPv4 in an outer IPv4
      s1_pay16_q <= in_pay + 16'd16;   // transport IPv6
      s1_pay56_q <= in_pay + 16'd56;   // IPv6 in an outer IPv6 (40 + 16)
      s1_pay76_q <= in_pay + 16'd76;   // IPv6 in an outer IPv4 (40 + 36)
      s1_dg4_q   <= 17'(in_tot);
      s1_dg6_q   <= 17'(in_pay) + 17'd40;
      // The frame's bytes minus one below which the datagram is past its end: 22 + datagram.
      s1_need4_q <= 17'(in_tot) + 17'd21;
      s1_need6_q <= 17'(in_pay) + 17'd61;
    end
  end

  // A runt (under 60 bytes: the last byte before byte 59), known as its last beat is taken.
  logic [3:0] in_lane;
  always_comb begin
    in_lane = 4'd0;
    for (int l = 1; l < 16; l++) if (s_axis_tkeep_i[l]) in_lane = 4'(l);
  end

  always_ff @(posedge clk_i) begin
    if (in_fire) s1_runt_q <= s_axis_tlast_i &&
                              (in_cnt_q < CntW'(3) ||
                               (in_cnt_q == CntW'(3) && in_lane < 4'(esp_pkg::MinFrame - 49)));
  end

  always_ff @(posedge clk_i) begin
    if (in_fire && in_cnt_q == '0) idx_hi_q <= s_axis_tdata_i[8*15 +: 8];
    if (in_fire && s1_absorb) begin
      // A padding beat taken into S1's: its end and MAC error, not its bytes.
      s1_q.last  <= s_axis_tlast_i;
      s1_q.user  <= s1_q.user || (s_axis_tlast_i && s_axis_tuser_i);
    end else if (in_fire) begin
      s1_q       <= in_beat;
      s1_cnt_q   <= in_cnt_q;
      s1_first_q <= in_cnt_q == '0;
      s1_b1_q    <= in_cnt_q == CntW'(1);
      s1_oa_q    <= in_cnt_q == '0 ? in_oa : in_oa_q;
      s1_idx_q   <= in_idx;
    end
  end

  // ---- the SA state: read as beat 1 is taken ---------------------------------------------
  // The read is enabled whenever beat 1 is offered (AXI4-Stream holds it until taken), so
  // that the enable is a register and the input valid; the last read, at the edge that takes
  // the beat, is the one used: nothing reads the state before beat 1 is in S1, and no other
  // read happens while it is there.
  localparam int CfgW = 346;  // cfg_t's bits
  cfg_t            cfg_w, cfg_r;
  logic [63:0]     sn_r, sn_wdata;
  logic            sn_we, cfg_we, hx_r, hx_we, hx_wdata, rd_en, sw_fire, wb_pend_q, wb_now;
  logic [IdxW-1:0] rd_idx, cfg_waddr, sn_waddr, hx_waddr;

  assign rd_en  = s_axis_tvalid_i && in_cnt_q == CntW'(1);
  assign rd_idx = in_idx[IdxW-1:0];

  assign cfg_w.valid  = sw_sa_i.valid;
  assign cfg_w.handle = sw_sa_i.handle;
  assign cfg_w.spi    = sw_sa_i.spi;
  assign cfg_w.esn    = sw_sa_i.esn;
  assign cfg_w.tunnel = sw_sa_i.tunnel;
  assign cfg_w.outer6 = sw_sa_i.outer6;
  assign cfg_w.sip    = sw_sa_i.sip;
  assign cfg_w.dip    = sw_sa_i.dip;
  assign cfg_w.ttl    = sw_sa_i.ttl;
  assign cfg_w.tos    = sw_sa_i.tos;
  assign cfg_w.flags  = sw_sa_i.flags;
  assign cfg_w.flow   = sw_sa_i.flow;

  // The sequence-number memory has one write port, shared by this port and the write-back:
  // the port is not ready from the read of a 0x0A frame's state (its beat 1 in S1) until
  // its write-back is done or given up (wb_pend_q: its last beat has left S1), so that no
  // state write falls between a frame's read and its write-back.
  assign sw_ready_o = !init_q && !wb_pend_q && !(s1_valid_q && s1_b1_q && s1_oa_q);
  assign sw_fire    = sw_valid_i && sw_ready_o;

  logic [IdxW-1:0] em_idx_w;
  logic [63:0]     em_sn_q;
  logic            em_take_q;

  assign cfg_we    = init_q || sw_fire;
  assign cfg_waddr = init_q ? init_idx_q : sw_index_i;
  assign sn_we     = init_q || sw_fire || wb_now;
  assign sn_waddr  = init_q ? init_idx_q : sw_fire ? sw_index_i : em_idx_w;
  assign sn_wdata  = init_q ? 64'd0 : sw_fire ? sw_sa_i.seq : em_sn_q + 64'd1;
  assign hx_we     = init_q || hx_valid_i;
  assign hx_waddr  = init_q ? init_idx_q : hx_index_i;
  assign hx_wdata  = !init_q && hx_expired_i;

  logic [CfgW-1:0] cfg_rdata;

  sdp_ram #(.Width(CfgW), .Depth(Sas)) u_cfg (
    .clk_i,
    .we_i (cfg_we), .waddr_i (cfg_waddr), .wdata_i (init_q ? CfgW'(0) : cfg_w),
    .re_i (rd_en), .raddr_i (rd_idx), .rdata_o (cfg_rdata)
  );
  assign cfg_r = cfg_rdata;

  sdp_ram #(.Width(64), .Depth(Sas)) u_sn (
    .clk_i,
    .we_i (sn_we), .waddr_i (sn_waddr), .wdata_i (sn_wdata),
    .re_i (rd_en), .raddr_i (rd_idx), .rdata_o (sn_r)
  );

  sdp_ram #(.Width(1), .Depth(Sas)) u_hx (
    .clk_i,
    .we_i (hx_we), .waddr_i (hx_waddr), .wdata_i (hx_wdata),
    .re_i (rd_en), .raddr_i (rd_idx), .rdata_o (hx_r)
  );

  // A state write to the index on the very edge of the read: the read returned the state
  // before it, whose write-back would then overwrite the new SA's. Such a frame is dropped
  // (PktStale) and writes nothing back. On later edges until the write-back the port is
  // not ready.
  logic kill_q;
  always_ff @(posedge clk_i) begin
    if (in_fire && in_cnt_q == CntW'(1)) kill_q <= sw_fire && sw_index_i == rd_idx;
  end

  // ---- the decision, while beat 1 is in S1 ----------------------------------------------
  logic [15:0] d_rawlen;
  logic        d_v4, d_v6, d_idf, d_df, d_esp62;
  logic [7:0]  d_nh, d_itos, d_tos;
  logic [16:0] d_dgram;
  logic        f_nosa, f_handle, f_malformed, f_exhausted, f_trunc;
  logic [6:0]  d_flags;   // {no SA, handle, stale, malformed, exhausted, expired, truncated}
  logic [15:0] d_grown;   // transport: the length field + 16
  logic [15:0] d_olen4, d_olen6;
  logic [511:0] ovb;     // output bytes 16..79: byte n in [8*(n-16) +: 8]
  logic [63:0]  ovm;     // and whether the stage writes it
  logic [127:0] d_esp;    // ESP header and IV, byte 0 in [127:120]
  logic [24:0] d_step;   // output beats 1..5: beat k in [5*(k-1) +: 5]
  logic [1:0]  d_shift;
  logic [15:0] d_cs_s, d_cs_c;
  logic [16:0] d_need;  // the frame's bytes minus one below which the datagram is cut

  // One's complement carry-save (RFC 1071): a 3:2 compressor whose carry out of bit 15
  // wraps to bit 0 (2^16 = 1 mod 2^16 - 1).
  function automatic logic [31:0] csa_eac(input logic [15:0] a, input logic [15:0] b,
                                          input logic [15:0] c);
    logic [15:0] s, m;
    s = a ^ b ^ c;
    m = (a & b) | (a & c) | (b & c);
    csa_eac = {s, m[14:0], m[15]};
  endfunction

  function automatic logic [4:0] mk_step(input logic hold, input logic [1:0] sh,
                                         input logic pchk, input logic csum);
    mk_step = {hold, sh, pchk, csum};
  endfunction

  always_comb begin
    d_v4     = s1_v4_q;
    d_v6     = s1_v6_q;
    d_rawlen = d_v6 ? {s1_q.data[8*10 +: 8], s1_q.data[8*11 +: 8]}
                    : {s1_q.data[8*8 +: 8], s1_q.data[8*9 +: 8]};
    d_nh     = d_v6 ? s1_q.data[8*12 +: 8] : s1_q.data[8*15 +: 8];
    d_itos   = d_v6 ? {s1_q.data[8*6 +: 4], s1_q.data[8*7+4 +: 4]} : s1_q.data[8*7 +: 8];
    // IPv6 is never fragmented on the way: an outer IPv4 header over it says DF.
    d_idf    = d_v6 || s1_q.data[8*12+6];
    d_dgram  = d_v6 ? s1_dg6_q : s1_dg4_q;

    f_nosa      = s1_idx_q[15:IdxW] != '0 || !cfg_r.valid;
    f_handle    = cfg_r.handle != {s1_q.data[8*1 +: 8], s1_q.data[8*2 +: 8]};
    f_trunc     = s1_q.last;   // the frame ends in beat 1, before its IP header does
    // Transport: the SA's family (its IPv6 flag), IPv4 without options and not a fragment,
    // IPv6 without extension headers. Tunnel: the inner packet is payload, options,
    // fragments and extension headers included.
    f_malformed = !(d_v4 || d_v6) || (!cfg_r.tunnel && d_v6 != cfg_r.outer6) ||
                  (d_v4 && (cfg_r.tunnel ? s1_badu_q : s1_badt_q)) ||
                  (d_v6 && !cfg_r.tunnel && s1_ext6_q) ||
                  (d_v6 ? s1_big6_q : s1_big4_q);
    // Without ESN the SN after 2^32 - 1 is 2^32: stored, never sent. With ESN the counter
    // wraps to 0 after 2^64 - 1 (a new SA starts at 1, packet section P2).
    f_exhausted = cfg_r.esn ? sn_r == 64'd0 : sn_r[63:32] != 32'd0;
    d_flags     = {f_nosa, f_handle, kill_q, f_malformed, f_exhausted, hx_r, f_trunc};

    // Tunnel: the SA's DSCP and ECN byte, or (flags bit 0) the inner header's whole: DSCP
    // copied and ECN as RFC 6040 section 4.1's normal mode, which copies it, CE included
    // (packet section P2). DF: from the inner header (flags bit 1) or set.
    d_tos = cfg_r.flags[0] ? d_itos : cfg_r.tos;
    d_df  = cfg_r.flags[1] ? d_idf : 1'b1;

    d_grown = d_v6 ? s1_pay16_q : s1_tot16_q;
    d_olen4 = d_v6 ? s1_pay76_q : s1_tot36_q;
    d_olen6 = d_v6 ? s1_pay56_q : s1_tot16_q;
    d_esp   = {cfg_r.spi, sn_r[31:0], sn_r};
    d_esp62 = cfg_r.tunnel ? cfg_r.outer6 : d_v6;

    // The overlay: output bytes 16..79 the stage writes (the rest is the input's).
    ovb = '0;
    ovm = '0;
    for (int n = 16; n < 19; n++) ovm[n-16] = 1'b1;   // metadata bytes 4-6: 0
    ovm[19-16] = 1'b1;
    ovb[8*(19-16) +: 8] = !cfg_r.tunnel ? d_nh : d_v6 ? esp_pkg::IpProtoIpv6 : esp_pkg::IpProtoIpv4;
    for (int i = 0; i < 16; i++) begin
      if (d_esp62) begin
        ovm[62 + i-16] = 1'b1;
        ovb[8*(62 + i-16) +: 8] = d_esp[8*(15-i) +: 8];
      end else begin
        ovm[42 + i-16] = 1'b1;
        ovb[8*(42 + i-16) +: 8] = d_esp[8*(15-i) +: 8];
      end
    end
    if (!cfg_r.tunnel) begin
      // Transport: the packet's own header, the length and protocol changed; the IPv4
      // checksum follows (incrementally, as beat 2 passes).
      if (!d_v6) begin
        {ovm[24-16], ovm[25-16], ovm[31-16]} = 3'b111;
        {ovb[8*(24-16) +: 8], ovb[8*(25-16) +: 8]} = d_grown;
        ovb[8*(31-16) +: 8] = esp_pkg::IpProtoEsp;
      end else begin
        {ovm[26-16], ovm[27-16], ovm[28-16]} = 3'b111;
        {ovb[8*(26-16) +: 8], ovb[8*(27-16) +: 8]} = d_grown;
        ovb[8*(28-16) +: 8] = esp_pkg::IpProtoEsp;
      end
    end else if (!cfg_r.outer6) begin
      // Outer IPv4 (RFC 791): ID the sequence number's low 16 bits, unique among the SA's
      // recent datagrams (RFC 6864 section 4: any value for DF datagrams, and a changing
      // one for those that may be fragmented); the checksum (32-33) comes a clock later.
      for (int n = 20; n < 42; n++) ovm[n-16] = (n != 32 && n != 33);
      {ovb[8*(20-16) +: 8], ovb[8*(21-16) +: 8]} = esp_pkg::EthertypeIpv4;
      ovb[8*(22-16) +: 8] = 8'h45;
      ovb[8*(23-16) +: 8] = d_tos;
      {ovb[8*(24-16) +: 8], ovb[8*(25-16) +: 8]} = d_olen4;
      {ovb[8*(26-16) +: 8], ovb[8*(27-16) +: 8]} = sn_r[15:0];
      ovb[8*(28-16) +: 8] = {1'b0, d_df, 6'b0};
      ovb[8*(29-16) +: 8] = 8'h00;
      ovb[8*(30-16) +: 8] = cfg_r.ttl;
      ovb[8*(31-16) +: 8] = esp_pkg::IpProtoEsp;
      for (int i = 0; i < 4; i++) begin
        ovb[8*(34 + i-16) +: 8] = cfg_r.sip[8*(3-i) +: 8];
        ovb[8*(38 + i-16) +: 8] = cfg_r.dip[8*(3-i) +: 8];
      end
    end else begin
      // Outer IPv6 (RFC 8200): traffic class as the IPv4 TOS above, the SA's flow label.
      for (int n = 20; n < 62; n++) ovm[n-16] = 1'b1;
      {ovb[8*(20-16) +: 8], ovb[8*(21-16) +: 8]} = esp_pkg::EthertypeIpv6;
      ovb[8*(22-16) +: 8] = {4'h6, d_tos[7:4]};
      ovb[8*(23-16) +: 8] = {d_tos[3:0], cfg_r.flow[19:16]};
      {ovb[8*(24-16) +: 8], ovb[8*(25-16) +: 8]} = cfg_r.flow[15:0];
      {ovb[8*(26-16) +: 8], ovb[8*(27-16) +: 8]} = d_olen6;
      ovb[8*(28-16) +: 8] = esp_pkg::IpProtoEsp;
      ovb[8*(29-16) +: 8] = cfg_r.ttl;
      for (int i = 0; i < 16; i++) begin
        ovb[8*(30 + i-16) +: 8] = cfg_r.sip[8*(15-i) +: 8];
        ovb[8*(46 + i-16) +: 8] = cfg_r.dip[8*(15-i) +: 8];
      end
    end

    // The schedule of output beats 1..5 (the insertion beat j, then q - 1 beats of built
    // bytes only, then the input shifted by s lanes):
    //   transport IPv4: 16 at 42 (j 2, lane 10), s 0    transport IPv6: 16 at 62 (j 3, lane 14)
    //   tunnel, outer IPv4: 36 at 22 (j 1, lane 6), s 4 tunnel, outer IPv6: 56 at 22, s 8
    d_step = '0;
    if (!cfg_r.tunnel && !d_v6) begin
      d_shift   = 2'd0;
      d_step[5*(2-1) +: 5] = mk_step(1'b1, 2'd0, 1'b1, 1'b1);
    end else if (!cfg_r.tunnel) begin
      d_shift   = 2'd0;
      d_step[5*(3-1) +: 5] = mk_step(1'b1, 2'd0, 1'b1, 1'b0);
    end else if (!cfg_r.outer6) begin
      d_shift   = 2'd1;
      d_step[5*(1-1) +: 5] = mk_step(1'b1, 2'd0, 1'b1, 1'b0);
      d_step[5*(2-1) +: 5] = mk_step(1'b1, 2'd0, 1'b0, 1'b1);
      for (int k = 3; k <= 5; k++) d_step[5*(k-1) +: 5] = mk_step(1'b0, 2'd1, 1'b0, 1'b0);
    end else begin
      d_shift   = 2'd2;
      d_step[5*(1-1) +: 5] = mk_step(1'b1, 2'd0, 1'b1, 1'b0);
      d_step[5*(2-1) +: 5] = mk_step(1'b1, 2'd0, 1'b0, 1'b0);
      d_step[5*(3-1) +: 5] = mk_step(1'b1, 2'd0, 1'b0, 1'b0);
      for (int k = 4; k <= 5; k++) d_step[5*(k-1) +: 5] = mk_step(1'b0, 2'd2, 1'b0, 1'b0);
    end

    // The outer IPv4 header's checksum, as carry-save terms: {45 (85 with DF), TOS},
    // the total length (the inner length + 36: {TTL, 50} takes the constant as {TTL, 86},
    // or {TTL, 126} with the 40 of an inner IPv6 header), the ID, the addresses.
    begin : b_csum
      logic [31:0] l1a, l1b, l2a, l2b, l3, l4;
      l1a = csa_eac(cfg_r.sip[31:16], cfg_r.sip[15:0], cfg_r.dip[31:16]);
      l1b = csa_eac(cfg_r.dip[15:0], sn_r[15:0], d_rawlen);
      l2a = csa_eac(l1a[31:16], l1a[15:0], l1b[31:16]);
      l2b = csa_eac(l1b[15:0], {d_df ? 8'h85 : 8'h45, d_tos},
                    {cfg_r.ttl, d_v6 ? 8'd126 : 8'd86});
      l3  = csa_eac(l2a[31:16], l2a[15:0], l2b[31:16]);
      l4  = csa_eac(l3[31:16], l3[15:0], l2b[15:0]);
      {d_cs_s, d_cs_c} = l4;
    end

    d_need = d_v6 ? s1_need6_q : s1_need4_q;
  end

  // ---- the frame's registers (em_*), loaded as its beat 1 moves to S2 ----------------------
  logic            dload;
  logic [6:0]      em_flags_q;
  logic [15:0]     em_idx_q;
  logic [16:0]     em_len_q;
  logic [511:0]    em_ov_q;
  logic [63:0]     em_ovm_q;
  logic [24:0]     em_step_q;
  logic [1:0]      em_shift_q;
  logic            em_t4_q;      // transport IPv4: its checksum is updated as beat 2 passes
  logic [7:0]      em_proto_q;   // transport IPv4: the protocol replaced by 50
  logic [15:0]     em_cs_s_q, em_cs_c_q, csum_q;
  logic            em_cs_pend_q; // the tunnel checksum is folded on the clock after dload
  logic [16:0]     em_need_q;
  logic [2:0]      em_p_q;       // the insertion lane: 6, 10 or 14 (one-hot)

  // Loaded while beat 1 waits in S1 once the frame before has left (its tail, the one part
  // of it that may still be out, uses em_shift_q): from registers only, so that the
  // registers loaded (some 700) see their enable at level 1. S2 holds at most the frame's
  // beat 0 then, which leaves without them.
  assign dload    = s1_valid_q && s1_b1_q && s1_oa_q && !em_loaded_q && !tail_q;
  assign em_idx_w = em_idx_q[IdxW-1:0];

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      wb_pend_q    <= 1'b0;
      em_cs_pend_q <= 1'b0;
      em_loaded_q  <= 1'b0;
    end else begin
      if (s1_move && s1_q.last)      wb_pend_q <= 1'b0;
      else if (dload && d_flags == '0) wb_pend_q <= 1'b1;
      em_cs_pend_q <= dload;
      if (s1_move)    em_loaded_q <= 1'b0;
      else if (dload) em_loaded_q <= 1'b1;
    end
  end

  always_ff @(posedge clk_i) begin
    if (dload) begin
      em_flags_q <= d_flags;
      em_take_q  <= d_flags == '0;
      em_idx_q   <= s1_idx_q;
      em_len_q   <= d_dgram;
      em_sn_q    <= sn_r;
      em_shift_q <= d_shift;
      em_t4_q    <= !cfg_r.tunnel && !d_v6;
      em_proto_q <= d_nh;
      em_cs_s_q  <= d_cs_s;
      em_cs_c_q  <= d_cs_c;
      em_need_q  <= d_need;
      em_p_q[0]  <= cfg_r.tunnel;                 // lane 6
      em_p_q[1]  <= !cfg_r.tunnel && !d_v6;       // lane 10
      em_p_q[2]  <= !cfg_r.tunnel && d_v6;        // lane 14
    end
  end

  // The IPv4 header checksum into frame bytes 32-33 (RFC 1071, RFC 1624):
  //   tunnel: the carry-save pair folded, the clock after dload;
  //   transport: the host's checksum updated for the length + 16 and protocol 50 as beat 2
  //   (which holds it) moves to S2: HC' = ~(~HC + 16 + 50 - proto) (RFC 1624 equation 3,
  //   -proto as ~{0, proto}).
  logic [16:0] cs_r0, inc_r0;
  logic [15:0] cs_r1, inc_r1;
  logic [15:0] inc_hc, inc_s, inc_c;
  always_comb begin
    cs_r0  = 17'(em_cs_s_q) + 17'(em_cs_c_q);
    cs_r1  = em_cs_s_q + em_cs_c_q + 16'd1;
    inc_hc = {s1_q.data[7:0], s1_q.data[15:8]};
    {inc_s, inc_c} = csa_eac(~inc_hc, 16'd66, {8'hFF, ~em_proto_q});
    inc_r0 = 17'(inc_s) + 17'(inc_c);
    inc_r1 = inc_s + inc_c + 16'd1;
  end

  always_ff @(posedge clk_i) begin
    if (em_cs_pend_q && !em_t4_q) csum_q <= ~(cs_r0[16] ? cs_r1 : cs_r0[15:0]);
    else if (s1_move && s1_oa_q && s1_cnt_q == CntW'(2) && em_t4_q)
      csum_q <= ~(inc_r0[16] ? inc_r1 : inc_r0[15:0]);
  end

  // Whether the beat taken into S1 holds the datagram's last byte (beat 2 or later; read
  // only for a frame being encapsulated). Beat 2 may be taken on the clock its frame's
  // decision loads: then from the decision.
  always_ff @(posedge clk_i) begin
    if (in_fire && !s1_absorb) begin
      s1_dend_q <= in_cnt_q >= CntW'(2) &&
                   13'(in_cnt_q) == (dload ? d_need[16:4] : em_need_q[16:4]);
    end
  end

  // ---- S2 ------------------------------------------------------------------------------------
  logic s2_first_q, s2_oa_q, s2_runt_q, s2_cut_q, s1_runt, s1_cut, s2_early_q, s1_early;
  logic [3:0] s1_lane;   // the last byte's lane of S1's beat

  always_comb begin
    s1_lane = 4'd0;
    for (int l = 1; l < 16; l++) if (s1_q.keep[l]) s1_lane = 4'(l);
    // For beats after beat 1 (the decision registers hold their frame's by then): a runt
    // (under 60 bytes: the last byte before byte 59) or the datagram past the frame's end.
    s1_runt = s1_runt_q;
    s1_cut  = s1_q.last && 17'({s1_cnt_q, s1_lane}) < em_need_q;
    // The frame ends before the insertion lane (6, 10 or 14) of this beat: its byte before
    // that lane is missing (a frame that ends just there has the bytes inserted after its
    // end: an IPv6 transport packet of no payload in a frame of 62 bytes).
    s1_early = s1_q.last && !((em_p_q[0] && s1_q.keep[5]) || (em_p_q[1] && s1_q.keep[9]) ||
                              (em_p_q[2] && s1_q.keep[13]));
  end

  // The write-back of SN + 1: while the frame's last beat is in S1 (repeated, the same
  // value, while it waits there), once the frame has proved whole: a runt, a MAC error or
  // a datagram past the frame's end is dropped (tuser) and takes no number, as the frames
  // refused at the decision. Nothing reads the state before the next frame's beat 1.
  assign wb_now = wb_pend_q && s1_valid_q && s1_q.last && !s1_q.user && !s1_runt && !s1_cut;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      s2_valid_q <= 1'b0;
    end else begin
      if (s1_move && !pad_merge) s2_valid_q <= 1'b1;
      else if (s2_free) s2_valid_q <= 1'b0;
    end
  end

  always_ff @(posedge clk_i) begin
    if (s1_move) begin
      s2_q       <= s1_q;
      s2_first_q <= s1_first_q;
      s2_oa_q    <= s1_oa_q;
      s2_runt_q  <= s1_runt;
      s2_cut_q   <= s1_cut;
      s2_early_q <= s1_early;
      // The datagram's last byte is in this beat (beat 2 or later; read only for a frame
      // being encapsulated, whose decision is loaded by then).
      s2_dend_q  <= s1_dend_q;
      // ... and the frame goes on after it: S2's beat waits (an encapsulated frame's).
      s2_pwait_q <= s1_dend_q && !s1_q.last && !s1_first_q && s1_oa_q && em_take_q;
      // Ending there, the beat spills into a tail only if datagram bytes wrap (its last
      // byte's lane 12 or above with the 4-lane shift, 8 or above with the 8-lane one).
      s2_dspill_q <= (em_shift_q == 2'd1 && em_need_q[3:0] >= 4'd12) ||
                     (em_shift_q == 2'd2 && em_need_q[3:0] >= 4'd8);
    end
  end

  // ---- the emitter -------------------------------------------------------------------------
  beat_t       out;
  logic [127:0] cy_data_q;   // the last input beat taken: its lanes that wrap
  logic [15:0]  cy_keep_q;
  logic        go, take, sk_ready, tail_user_q, frame_user, end_user, spill, early;
  logic        last_in, enc, adv;
  step_t       st;
  logic [127:0] csum_lanes;  // the checksum in lanes 0-1, big-endian

  assign csum_lanes = {112'b0, csum_q[7:0], csum_q[15:8]};
  logic [1:0]  sh_now;

  always_comb begin
    st        = em_step_q[4:0];
    enc       = !s2_first_q && s2_oa_q && em_take_q;
    early     = st.pchk && s2_early_q;
    // A taken frame ending badly, known with its last beat: a MAC error, a runt, a
    // datagram past the frame's end (esp_tx would drop it too), the end before the
    // insertion point.
    frame_user = s2_q.user || s2_runt_q || s2_cut_q || early;
    // A datagram shorter than the Ethernet minimum comes with padding behind it, which the
    // crypto path discards (esp_tx_edit): it is not carried, so that the frame out of this
    // stage is no longer than it must be (a 40-byte packet's: 5 beats, not 6). The beat
    // holding the datagram's last byte waits in S2 for the frame's last beat; the beats
    // between are dropped from S1 as they come, and the last is taken into S2's beat as the
    // frame's end, with its MAC error or runt.
    pad_end   = s2_valid_q && s2_pwait_q;
    pad_merge = pad_end && s1_valid_q && s1_q.last;
    end_user  = frame_user || (pad_merge && (s1_q.user || s1_runt));
    sh_now    = st.sh;
    out       = s2_q;
    go        = 1'b0;
    take      = 1'b0;
    spill     = 1'b0;
    adv       = 1'b0;
    if (tail_q) begin
      // The last input beat's lanes that spilled over, alone.
      go = 1'b1;
      out.data = '0;
      out.keep = '0;
      for (int l = 0; l < 8; l++) begin
        if (em_shift_q == 2'd1 && l < 4) begin
          out.data[8*l +: 8] = cy_data_q[8*((l+12)%16) +: 8];
          out.keep[l]        = cy_keep_q[(l+12)%16];
        end else if (em_shift_q == 2'd2) begin
          out.data[8*l +: 8] = cy_data_q[8*((l+8)%16) +: 8];
          out.keep[l]        = cy_keep_q[(l+8)%16];
        end
      end
      out.last = 1'b1;
      out.user = tail_user_q;
    end else if (s2_valid_q && !enc) begin
      // Beat 0, any frame but a taken 0x0A one, and a frame dropped at its decision.
      go   = 1'b1;
      take = 1'b1;
      if (s2_first_q && s2_oa_q) begin
        out.data[8*14 +: 8] = esp_pkg::SyndTxOffload;
        out.data[8*15 +: 8] = 8'h00;
      end
      if (s2_oa_q && s2_q.last) out.user = 1'b1;
    end else if (s2_valid_q && early) begin
      go   = 1'b1;
      take = 1'b1;
      adv  = 1'b1;
      out.user = 1'b1;
    end else if (s2_valid_q) begin
      // An inserted beat goes; S2's own waits while the datagram's end waits for the frame's.
      go   = st.hold || !pad_end || pad_merge;
      take = !st.hold && go;
      adv  = go;
      for (int l = 0; l < 16; l++) begin
        if (st.csum && l < 2) begin
          out.data[8*l +: 8] = csum_lanes[8*l +: 8];
          out.keep[l]        = 1'b1;
        end else if (em_ovm_q[l]) begin
          out.data[8*l +: 8] = em_ov_q[8*l +: 8];
          out.keep[l]        = 1'b1;
        end else if (sh_now == 2'd1) begin
          out.data[8*l +: 8] = l >= 4 ? s2_q.data[8*((l+12)%16) +: 8]
                                      : cy_data_q[8*((l+12)%16) +: 8];
          out.keep[l]        = l >= 4 ? s2_q.keep[(l+12)%16] : cy_keep_q[(l+12)%16];
        end else if (sh_now == 2'd2) begin
          out.data[8*l +: 8] = l >= 8 ? s2_q.data[8*((l+8)%16) +: 8]
                                      : cy_data_q[8*((l+8)%16) +: 8];
          out.keep[l]        = l >= 8 ? s2_q.keep[(l+8)%16] : cy_keep_q[(l+8)%16];
        end else begin
          out.data[8*l +: 8] = s2_q.data[8*l +: 8];
          out.keep[l]        = s2_q.keep[l];
        end
      end
      // The datagram's last beat spills only for datagram bytes (not for its padding).
      spill    = ((sh_now == 2'd1 && s2_q.keep[12]) || (sh_now == 2'd2 && s2_q.keep[8])) &&
                 (!s2_dend_q || s2_dspill_q);
      out.last = take && (s2_q.last || pad_merge) && !spill;
      out.user = out.last && end_user;
    end
    last_in = take && (s2_q.last || pad_merge);
  end

  assign s1_drop = pad_end && s1_valid_q && !s1_q.last;

  assign s2_free = !s2_valid_q || (take && sk_ready);

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) tail_q <= 1'b0;
    else if (sk_ready) begin
      if (tail_q) tail_q <= 1'b0;
      else        tail_q <= adv && last_in && spill;
    end
  end

  always_ff @(posedge clk_i) begin
    if (sk_ready && take) begin
      cy_data_q <= s2_q.data;
      cy_keep_q <= s2_q.keep;
    end
    if (sk_ready && adv && last_in) tail_user_q <= end_user;
  end

  // The overlay and the schedule: loaded with the decision, then moved on by each emitted
  // beat of an encapsulated frame (its beat 0 is emitted before the decision is loaded).
  always_ff @(posedge clk_i) begin
    if (dload) begin
      em_ov_q   <= ovb;
      em_ovm_q  <= ovm;
      em_step_q <= d_step;
    end else if (sk_ready && adv) begin
      em_ov_q   <= {128'b0, em_ov_q[511:128]};
      em_ovm_q  <= {16'b0, em_ovm_q[63:16]};
      em_step_q <= {1'b0, em_shift_q, 1'b0, 1'b0, em_step_q[24:5]};
    end
  end

  // An encapsulated frame's beats after beat 0, its spilled tail included (a tail follows
  // only a frame the emitter advanced through): em_idx_q is that frame's until its last
  // beat has left (the next decision loads after the tail).
  logic out_pkt;
  assign out_pkt = tail_q || enc;

  stream_skid #(.DataW(163)) u_out (
    .clk_i, .rst_ni,
    .s_valid_i (go), .s_ready_o (sk_ready), .s_data_i ({out_pkt, em_idx_q, out}),
    .m_valid_o (m_axis_tvalid_o), .m_ready_i (m_axis_tready_i),
    .m_data_o ({m_axis_tpkt_o, m_axis_tindex_o, m_axis_tuser_o, m_axis_tlast_o,
                m_axis_tkeep_o, m_axis_tdata_o})
  );

  // ---- the frame's event -----------------------------------------------------------------------
  logic                  ev_q, ev_first_q, ev_runt_q, ev_cut_q;
  esp_pkg::tx_pkt_fate_e ev_fate;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) ev_q <= 1'b0;
    else         ev_q <= sk_ready && last_in && s2_oa_q && !tail_q;
  end

  always_ff @(posedge clk_i) begin
    if (sk_ready && last_in && !tail_q) begin
      ev_first_q <= s2_first_q;
      // A runt or a MAC error is dropped before classification, whatever the decision.
      ev_runt_q  <= s2_q.user || s2_runt_q || (pad_merge && (s1_q.user || s1_runt));
      // The datagram past the frame's end, for a refused frame too (its fate below).
      ev_cut_q   <= s2_oa_q && !s2_first_q && (s2_cut_q || (enc && early));
    end
  end

  always_comb begin
    if (ev_first_q || ev_runt_q || em_flags_q[0])
                            ev_fate = esp_pkg::PktTruncated;
    else if (em_flags_q[6]) ev_fate = esp_pkg::PktNoSa;
    else if (em_flags_q[5]) ev_fate = esp_pkg::PktHandle;
    else if (em_flags_q[4]) ev_fate = esp_pkg::PktStale;
    // The model's order (sim/model/esp_packet.cpp, tx_packet): an SA past a hard event
    // first, then the packet's own faults, then exhaustion; the lifetime unit counts by it
    // (seq_exhausted for exhaustion and for an SA that died of it, not for a bad packet of
    // an SA that has not).
    else if (em_flags_q[1]) ev_fate = esp_pkg::PktExpired;
    else if (em_flags_q[3]) ev_fate = esp_pkg::PktMalformed;
    else if (ev_cut_q)      ev_fate = esp_pkg::PktCut;
    else if (em_flags_q[2]) ev_fate = esp_pkg::PktExhausted;
    else                    ev_fate = esp_pkg::PktSent;
  end

  assign ev_valid_o   = ev_q;
  assign ev_o.index   = ev_first_q ? 16'hFFFF : em_idx_q;
  assign ev_o.ip_len  = ev_first_q ? 17'd0 : em_len_q;
  assign ev_o.fate    = ev_fate;

`ifdef IPSEC_ASSERTIONS
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
    end else begin
      // The sequence-number memory's one write port: never the state port and a
      // write-back on one clock.
      assert (!(sw_fire && wb_now)) else $error("%m: state write and write-back collide");
      // The read-modify-write rule: a frame's write-back is done while its last beat is in
      // S1, and the next frame's beat 1 (its read) is taken two edges after that beat left
      // S1 at the earliest (its beat 0 between), so no read meets a pending write-back.
      assert (!(in_fire && in_cnt_q == CntW'(1) && wb_pend_q))
        else $error("%m: an SA state read while a write-back is pending");
      // A 0x0A frame's beat 1 reaches the emitter with its decision loaded.
      assert (!(s1_move && s1_b1_q && s1_oa_q && !em_loaded_q && !dload))
        else $error("%m: beat 1 ahead of its decision");
      // The emitter works on a taken frame's beats only with its decision: while S2 holds
      // beat 1 or later of a 0x0A frame, the decision loaded is that frame's (loaded once
      // per frame, before its beat 1 left S1).
      assert (!(s2_valid_q && !s2_first_q && s2_oa_q && dload))
        else $error("%m: a decision loaded while the frame before is in S2");
    end
  end
`endif

endmodule
