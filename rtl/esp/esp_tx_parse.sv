// TX parser (host to wire): looks at the head of each frame as it enters the frame FIFO,
// classifies it (contract sections 5 and 6), looks up its TX SA and decides what leaves.
//
// The head is the first WinBeats beats (or the whole frame if shorter); the decision
// for a frame is queued LookupLatency + 2 clocks after its head is complete.
//   no metadata                              -> TxBypass
//   MAC error or runt, frame inside window   -> TxDrop (not classified)
//   metadata, then anything the engine
//   cannot offload or no TX SA               -> TxDrop (classified: enc_in)
//   otherwise                                -> TxEncrypt, with the output header built
// Offloadable: syndrome 0x08 / 0x09, IPv4 without options or IPv6 without extension
// headers carrying ESP, the datagram inside the frame, for LSO the TCP sequence number
// inside the datagram. LSO (0x09): the segment index is
// round(((tcp_seq_lo16 - meta.seq) mod 2^16) * mss_inv / 2^16); SN and IV advance by it.
module esp_tx_parse #(
  parameter int MaxFrame = 9216
) (
  input  logic                     clk_i,
  input  logic                     rst_ni,

  // Beats entering the frame FIFO.
  input  logic                     in_fire_i,
  input  logic [127:0]             in_data_i,
  input  logic [15:0]              in_keep_i,
  input  logic                     in_last_i,
  input  logic                     in_user_i,

  // TX SA lookup, result LookupLatency clocks after the request.
  output logic                     lkp_valid_o,
  output sadb_pkg::sa_key_t        lkp_key_o,
  input  logic                     res_valid_i,
  input  logic                     res_hit_i,
  input  sadb_pkg::sa_ctx_t        res_ctx_i,

  // Decisions, one per frame in order.
  output logic                     dec_valid_o,
  input  logic                     dec_pop_i,
  output esp_pkg::tx_decision_t dec_o,
  output logic                     dec_room_o   // room for every frame the parser may hold
);

  localparam int W     = esp_pkg::WinBeats;
  localparam int WinW  = 8 * esp_pkg::WinBytes;
  localparam int PosW  = esp_pkg::PosW;
  localparam int Lat   = sadb_pkg::LookupLatency;

  // ---- the head window --------------------------------------------------------------------
  logic [127:0] win_q [W];
  localparam int CapW = $clog2(W + 1);
  logic [CapW-1:0] cap_q;          // beats of the current frame seen, saturating at W
  logic [WinW-1:0] head;
  logic            head_done;

  always_comb begin
    for (int i = 0; i < W; i++) begin
      if (CapW'(i) == cap_q)    head[128*i +: 128] = in_data_i;
      else if (CapW'(i) < cap_q) head[128*i +: 128] = win_q[i];
      else                      head[128*i +: 128] = '0;
    end
  end

  // The head is complete at the window's last beat or the frame's last beat.
  assign head_done = in_fire_i && cap_q < CapW'(W) && (cap_q == CapW'(W - 1) || in_last_i);

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      cap_q <= '0;
    end else if (in_fire_i) begin
      if (in_last_i)             cap_q <= '0;
      else if (cap_q < CapW'(W)) cap_q <= cap_q + 1'b1;
    end
  end

  always_ff @(posedge clk_i) begin
    for (int i = 0; i < W; i++) begin
      if (in_fire_i && cap_q == CapW'(i)) win_q[i] <= in_data_i;
    end
  end

  function automatic logic [4:0] keep_bytes(input logic [15:0] keep);
    logic [4:0] n;
    n = '0;
    for (int i = 0; i < 16; i++) n = n + {4'b0, keep[i]};
    keep_bytes = n;
  endfunction

  // ---- stage 1: the registered head ----------------------------------------------------------
  logic            p1_valid_q, p1_whole_q, p1_user_q;
  logic [WinW-1:0] p1_head_q;
  logic [PosW-1:0] p1_len_q;    // frame length when whole

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) p1_valid_q <= 1'b0;
    else         p1_valid_q <= head_done;
  end

  always_ff @(posedge clk_i) begin
    if (head_done) begin
      p1_head_q  <= head;
      p1_whole_q <= in_last_i;
      p1_user_q  <= in_user_i && in_last_i;
      p1_len_q   <= PosW'({cap_q, 4'b0}) + PosW'(keep_bytes(in_keep_i));
    end
  end

  // ---- parse ---------------------------------------------------------------------------------
  function automatic logic [7:0] byte_at(input logic [WinW-1:0] w, input int i);
    byte_at = w[8*i +: 8];
  endfunction
  function automatic logic [15:0] be16_at(input logic [WinW-1:0] w, input int i);
    be16_at = {w[8*i +: 8], w[8*(i+1) +: 8]};
  endfunction

  logic [WinW-1:0] f;
  assign f = p1_head_q;

  logic            has_meta, is4, is6, dgram_ok, lso, lso_ok, offload, drop_early;
  logic [7:0]      synd, next_proto, inner0;
  logic [3:0]      ver;
  logic [16:0]     raw_t;
  logic [15:0]     mss_inv, meta_seq, etype, seq_lo, seq_diff;
  logic [PosW-1:0] iphl, t_len, payload, esp_at, tcp_at, c_len;
  logic [1:0]      pad;
  logic [31:0]     spi, lso_prod;
  logic [63:0]     iv, sn64;
  logic [16:0]     lso_index;
  logic [15:0]     seq_raw;

  always_comb begin
    has_meta   = be16_at(f, 12) == esp_pkg::MetaEthertype;
    synd       = byte_at(f, 14);
    mss_inv    = be16_at(f, 15);
    meta_seq   = be16_at(f, 17);
    next_proto = byte_at(f, 19);
    etype      = be16_at(f, 20);
    is4 = etype == esp_pkg::EthertypeIpv4 && byte_at(f, 22) == 8'h45 &&
          byte_at(f, 31) == esp_pkg::IpProtoEsp;
    ver = f[8*22+4 +: 4];
    is6 = etype == esp_pkg::EthertypeIpv6 && ver == 4'd6 &&
          byte_at(f, 28) == esp_pkg::IpProtoEsp;
    iphl    = is4 ? PosW'(20) : PosW'(40);
    raw_t   = is4 ? {1'b0, be16_at(f, 24)} : 17'd40 + {1'b0, be16_at(f, 26)};
    t_len   = PosW'(raw_t);
    esp_at  = PosW'(22) + iphl;
    payload = t_len - iphl - PosW'(16);
    // Pad to a 4-byte boundary with the 2-byte trailer (RFC 4303 section 2.4).
    pad     = 2'd2 - payload[1:0];
    c_len   = payload + PosW'(pad) + PosW'(2);
    spi     = is4 ? f[8*42 +: 32] : f[8*62 +: 32];
    iv      = is4 ? f[8*50 +: 64] : f[8*70 +: 64];
    spi     = {spi[7:0], spi[15:8], spi[23:16], spi[31:24]};
    iv      = {iv[7:0], iv[15:8], iv[23:16], iv[31:24], iv[39:32], iv[47:40], iv[55:48], iv[63:56]};
    // A datagram too short for ESP header and IV, or (when the frame's length is known)
    // not inside the frame, is not offloaded.
    // A datagram longer than the largest frame cannot be inside one.
    dgram_ok = (is4 || is6) && raw_t <= 17'(MaxFrame - 22) && t_len >= iphl + PosW'(16) &&
               (!p1_whole_q || PosW'(22) + t_len <= p1_len_q);

    // LSO: find the TCP header in the payload (transport, or tunnel with an inner IP header).
    lso    = synd == esp_pkg::SyndTxLso;
    inner0 = is4 ? byte_at(f, 58) : byte_at(f, 78);
    tcp_at = esp_at + PosW'(16);
    lso_ok = 1'b0;
    unique case (next_proto)
      esp_pkg::IpProtoTcp: lso_ok = 1'b1;
      esp_pkg::IpProtoIpv4: begin
        tcp_at = esp_at + PosW'(16) + PosW'({inner0[3:0], 2'b00});
        lso_ok = inner0[7:4] == 4'd4 && inner0[3:0] >= 4'd5 &&
                 (is4 ? byte_at(f, 58 + 9) : byte_at(f, 78 + 9)) == esp_pkg::IpProtoTcp;
      end
      esp_pkg::IpProtoIpv6: begin
        tcp_at = esp_at + PosW'(16) + PosW'(40);
        lso_ok = inner0[7:4] == 4'd6 &&
                 (is4 ? byte_at(f, 58 + 6) : byte_at(f, 78 + 6)) == esp_pkg::IpProtoTcp;
      end
      default: lso_ok = 1'b0;
    endcase
    lso_ok    = lso_ok && tcp_at + PosW'(20) <= PosW'(22) + t_len;  // the whole TCP header
    // Bytes tcp_at + 6 and + 7; tcp_at is at most 22 + 40 + 16 + 60 = 138, inside the
    // window. (A part-select: a 1,280-bit variable shift costs the Verilated model more.)
    seq_raw   = f[{8'(tcp_at + PosW'(6)), 3'b000} +: 16];
    seq_lo    = {seq_raw[7:0], seq_raw[15:8]};
    seq_diff  = seq_lo - meta_seq;
    lso_prod  = {16'b0, seq_diff} * {16'b0, mss_inv};
    lso_index = 17'(({1'b0, lso_prod} + 33'd32768) >> 16);
    sn64      = iv + (lso ? {47'b0, lso_index} : 64'd0);

    drop_early = p1_whole_q && (p1_user_q || p1_len_q < PosW'(esp_pkg::MinFrame));
    offload    = has_meta && !drop_early && (synd == esp_pkg::SyndTxOffload || lso) &&
                 dgram_ok && (!lso || lso_ok);
  end

  assign lkp_valid_o      = p1_valid_q && offload;
  assign lkp_key_o.dir_tx = 1'b1;
  assign lkp_key_o.ipv6   = is6;
  assign lkp_key_o.sip    = is4 ? {96'b0, f[8*34 +: 8], f[8*35 +: 8], f[8*36 +: 8], f[8*37 +: 8]}
                                : bswap128(f[8*30 +: 128]);
  assign lkp_key_o.dip    = is4 ? {96'b0, f[8*38 +: 8], f[8*39 +: 8], f[8*40 +: 8], f[8*41 +: 8]}
                                : bswap128(f[8*46 +: 128]);
  assign lkp_key_o.spi    = spi;

  function automatic logic [127:0] bswap128(input logic [127:0] x);
    logic [127:0] y;
    for (int i = 0; i < 16; i++) y[8*i +: 8] = x[127 - 8*i -: 8];
    bswap128 = y;
  endfunction

  // The output header: Ethernet without the metadata, the IP header with its length
  // grown by pad + 2 + 16 (IPv4 checksum recomputed, RFC 791), ESP header, IV.
  logic [8*esp_pkg::HdrBytes-1:0] hdr;
  logic [PosW-1:0]                   grow;
  logic [15:0]                       len_field;
  logic [19:0]                       csum;

  always_comb begin
    grow     = PosW'(pad) + PosW'(2 + esp_pkg::IcvBytes);
    // Output byte n >= 12 is input byte n + 8: the metadata goes.
    hdr      = {f[8*20 +: 8*(esp_pkg::HdrBytes-12)], f[95:0]};
    len_field = is4 ? {2'b0, t_len + grow} : {2'b0, t_len - PosW'(40) + grow};
    if (is4) begin
      hdr[8*16 +: 8] = len_field[15:8];
      hdr[8*17 +: 8] = len_field[7:0];
      hdr[8*24 +: 16] = '0;
      csum = '0;
      for (int w = 0; w < 10; w++) csum = csum + {4'b0, hdr[8*(14+2*w) +: 8], hdr[8*(15+2*w) +: 8]};
      csum = {4'b0, csum[15:0]} + {16'b0, csum[19:16]};
      csum = {4'b0, csum[15:0]} + {16'b0, csum[19:16]};
      hdr[8*24 +: 8] = ~csum[15:8];
      hdr[8*25 +: 8] = ~csum[7:0];
    end else begin
      csum = '0;
      hdr[8*18 +: 8] = len_field[15:8];
      hdr[8*19 +: 8] = len_field[7:0];
    end
    // ESP sequence number (low 32 bits of the 64-bit SN) and IV (the whole SN, big-endian).
    for (int i = 0; i < 4; i++) begin
      if (is4) hdr[8*(38+i) +: 8] = sn64[31 - 8*i -: 8];
      else     hdr[8*(58+i) +: 8] = sn64[31 - 8*i -: 8];
    end
    for (int i = 0; i < 8; i++) begin
      if (is4) hdr[8*(42+i) +: 8] = sn64[63 - 8*i -: 8];
      else     hdr[8*(62+i) +: 8] = sn64[63 - 8*i -: 8];
    end
  end

  // ---- stages 2 .. 1+Lat: wait for the SA --------------------------------------------------
  esp_pkg::tx_decision_t pre_d;
  logic [31:0] pre_spi_d;
  logic [63:0] pre_sn_d;

  always_comb begin
    pre_d = '0;
    pre_d.classified = has_meta && !drop_early;
    if (!has_meta && !drop_early) pre_d.kind = esp_pkg::TxBypass;
    else if (!offload)            pre_d.kind = esp_pkg::TxDrop;
    else                          pre_d.kind = esp_pkg::TxEncrypt;
    pre_d.text_start = PosW'(14) + iphl + PosW'(16);
    pre_d.text_len   = c_len;
    pre_d.hdr_len    = pre_d.text_start;
    pre_d.dgram_end  = PosW'(14) + t_len;
    pre_d.out_len    = PosW'(14) + t_len + grow;
    pre_d.in_needed  = PosW'(22) + t_len;
    pre_d.pad        = pad;
    pre_d.next_proto = next_proto;
    pre_d.hdr        = hdr;
    pre_d.key        = '0;
    pre_d.nonce      = {32'b0, sn64};
    pre_d.aad        = '0;
    pre_d.aad12      = 1'b0;
    pre_d.key256     = 1'b0;
    pre_spi_d = spi;
    pre_sn_d  = sn64;
  end

  esp_pkg::tx_decision_t pre_q [Lat];
  logic [31:0]              spi_q [Lat];
  logic [63:0]              sn_q  [Lat];
  logic [Lat-1:0]           pv_q;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) pv_q <= '0;
    else         pv_q <= {pv_q[Lat-2:0], p1_valid_q};
  end

  always_ff @(posedge clk_i) begin
    pre_q[0]  <= pre_d;
    spi_q[0]  <= pre_spi_d;
    sn_q[0]   <= pre_sn_d;
    for (int i = 1; i < Lat; i++) begin
      pre_q[i]  <= pre_q[i-1];
      spi_q[i]  <= spi_q[i-1];
      sn_q[i]   <= sn_q[i-1];
    end
  end

  // ---- with the SA: the decision --------------------------------------------------------------
  esp_pkg::tx_decision_t dec_d;
  logic                     dec_push;

  always_comb begin
    dec_d = pre_q[Lat-1];
    if (dec_d.kind == esp_pkg::TxEncrypt) begin
      if (!(res_valid_i && res_hit_i)) begin
        dec_d.kind = esp_pkg::TxDrop;  // no TX SA
      end else begin
        dec_d.key    = res_ctx_i.key;
        dec_d.key256 = res_ctx_i.key256;
        dec_d.nonce  = {res_ctx_i.salt, sn_q[Lat-1]};
        // AAD: SPI || SN, or SPI || SN_hi || SN_lo with ESN (RFC 4106 section 5).
        dec_d.aad12  = res_ctx_i.esn_en;
        dec_d.aad    = res_ctx_i.esn_en ? {spi_q[Lat-1], sn_q[Lat-1]}
                                        : {spi_q[Lat-1], sn_q[Lat-1][31:0], 32'b0};
      end
    end
  end
  assign dec_push = pv_q[Lat-1];

  logic       fifo_empty;
  logic [4:0] fifo_count;

  // The decisions carry keys: scrubbed (sync_fifo), so that none outlives its frame
  // (docs/architecture.md, "Key hygiene").
  sync_fifo #(.Width($bits(dec_d)), .Depth(16), .Scrub(1'b1)) u_decq (
    .clk_i, .rst_ni,
    .push_i (dec_push), .data_i (dec_d),
    .pop_i  (dec_pop_i), .data_o (dec_o),
    .empty_o (fifo_empty), .full_o (), .almost_full_o (), .count_o (fifo_count)
  );

  assign dec_valid_o = !fifo_empty;

  // Frames between the FIFO input and the decision queue: at most Lat + 2 heads in flight.
  assign dec_room_o = fifo_count <= 5'(16 - (Lat + 3));

endmodule
