// RX packet-offload decapsulation (docs/packet_offload.md P4, item 4): after the RX
// pipeline's host output, turns a decrypted frame of an RX packet SA from the crypto-offload
// layout into the packet-offload delivery. Every other frame passes byte for byte.
//
// Input, a good frame of a packet SA (esp_rx in no-trailer mode, contract sections 5, 7):
//   0..11 MACs | 12..19 metadata {0x8CE4, 0x11, next header, handle be32} | 20..21 the
//   original EtherType | 22.. IP header (IPv4 of 20 bytes, or IPv6 of 40), protocol or next
//   header still 50, the length without trailer and ICV, the IPv4 checksum valid | ESP
//   header and IV (16) | plaintext.
// Output, syndrome 0x13 (PKT_DECAP) with the metadata's content bytes kept:
//  - transport: the ESP header and IV removed (16 bytes: the same lanes a beat later, no
//    shift), the protocol (IPv4) or next header (IPv6) the metadata's next header, the
//    total or payload length 16 less, the IPv4 checksum adjusted for both (RFC 1624 eqn. 3);
//  - tunnel: the outer IP header, ESP header and IV removed (36 bytes after an IPv4 outer
//    header, 56 after an IPv6 one: a shift of 4 or 8 lanes), the EtherType the inner
//    family's (next header 4: 0x0800, 41: 0x86DD).
//
// Decisions where the contract is silent:
//  - A tunnel frame whose next header is neither 4 nor 41 (59, "no next header", included:
//    RFC 4303 section 2.6 has the receiver discard such dummy packets) is dropped whole and
//    reported on `bad_inner_o`, which the integration counts as dec_drop; it does not count
//    in the SA's lifetime. Transport frames keep any next header: the host stack decides.
//    The next header comes with the record (the RX read side has it with the verdict), so
//    that the fate is known before the first beat: it leaves straight, or not at all.
//  - The inner packet (tunnel) is delivered as the decryption left it: no check of its
//    version or length against what is left, as Linux's tunnel decapsulation leaves that
//    to ip_rcv / ipv6_rcv, which trim trailing bytes and drop a packet longer than its
//    buffer. An inner packet of no bytes at all leaves a 22-byte frame.
//  - No padding to the Ethernet minimum: the host port is a DMA ring, not a wire, the input
//    of this stage is already below 60 bytes at times (no-trailer mode), and padding would
//    take the stage out of "never adds a beat" and the host's byte counts off the packet.
//  - The sideband's `drop` applies to any frame: it is consumed and nothing of it leaves.
//  - The stage reads no length field: the input frame's end is the packet's end (the RX
//    pipeline cuts Ethernet padding off, esp_rx_read).
//  - It takes the no-trailer layout only: the RX pipeline is to remove trailer and ICV from
//    every frame of a packet SA whether or not SET_CAP granted NO_TRAILER (P4 delivers
//    neither), and to mark `pkt` only for good frames (0x11): a packet SA's frame forwarded
//    for debugging (0x12, 0x17, fwd_bad_frames) passes as it is.
//
// Sideband: one esp_rx_pkg::rx_decap_rec_t per frame, every frame, in frame order, into a
// queue of RecDepth records (its head and RecDepth - 1 behind it; rec_ready_o a function of
// registers). A record pushed a clock or more before its frame's first
// beat costs nothing; a first beat whose record is not at the queue's head waits for it.
// The queue's head refills a clock after a pop (head_fifo), so a frame of one beat right
// behind another frame's first beat may wait a clock too: the RX pipeline's frames are four
// beats at least (58 bytes or more), a record per frame every fourth clock at most.
//
// Timing (clocks from an input beat taken to the output beat that carries it, the output
// being a register slice, stream_skid):
//  - a frame that passes: 1 clock; 2 while it follows a decapsulated frame's last beat
//    back to back (the frame runs a beat behind, through the hold register, until the
//    first clock without an input beat);
//  - a decapsulated frame: its first beat 1 clock (straight out, only its syndrome byte
//    changes; 2 when it runs a beat behind, as above), the beats after it 2 (through the
//    hold register), but those that take bytes of the next input beat, which leave 1 clock
//    after it; its last beat 1 or 2 clocks after its input's.
// Rate: one beat per clock in while the output takes one per clock: the input is held only
// while the output is stalled (or a record is missing). The output never has more beats
// than the input: transport loses one, tunnel two or three (outer IPv4) or three or four
// (outer IPv6).
// Lifetime sideband (P4 "Lifetimes"): `life_valid_o` once per delivered frame of a packet
// SA, a clock after its last input beat, with the SA's index and the bytes delivered (the
// restored IP packet, or the inner packet: the output frame less its 22-byte prefix).
module esp_rx_decap #(
  parameter int RecDepth = 4  // records queued behind the head (a power of two)
) (
  input  logic                      clk_i,
  input  logic                      rst_ni,

  // Per-frame records.
  input  logic                      rec_valid_i,
  output logic                      rec_ready_o,
  input  esp_rx_pkg::rx_decap_rec_t rec_i,

  // From the RX pipeline's host output (esp_rx m_axis_*).
  input  logic                      s_axis_tvalid_i,
  output logic                      s_axis_tready_o,
  input  logic [127:0]              s_axis_tdata_i,   // frame byte 0 in [7:0]
  input  logic [15:0]               s_axis_tkeep_i,
  input  logic                      s_axis_tlast_i,
  input  logic                      s_axis_tuser_i,

  // To the host.
  output logic                      m_axis_tvalid_o,
  input  logic                      m_axis_tready_i,
  output logic [127:0]              m_axis_tdata_o,
  output logic [15:0]               m_axis_tkeep_o,
  output logic                      m_axis_tlast_o,
  output logic                      m_axis_tuser_o,

  // Per delivered frame of a packet SA (P4 lifetimes, P5 packets and bytes).
  output logic                      life_valid_o,
  output logic [15:0]               life_sa_index_o,
  output logic [15:0]               life_bytes_o,
  // Per tunnel frame dropped for its next header (neither 4 nor 41), with its SA's index
  // in life_sa_index_o.
  output logic                      bad_inner_o
);

  typedef struct packed {
    logic [127:0] data;
    logic [15:0]  keep;
    logic         last;
    logic         user;
  } beat_t;

  // What a frame becomes.
  typedef enum logic [2:0] {
    KindPass  = 3'd0,  // not of a packet SA: unchanged
    KindDrop  = 3'd1,  // the record says drop
    KindBad   = 3'd2,  // tunnel, next header neither 4 nor 41: dropped
    KindTr4   = 3'd3,  // transport, IPv4
    KindTr6   = 3'd4,  // transport, IPv6
    KindTun4  = 3'd5,  // tunnel, outer IPv4
    KindTun6  = 3'd6   // tunnel, outer IPv6
  } kind_e;

  // What the beat in the hold register is for.
  typedef enum logic [3:0] {
    RoleRaw   = 4'd0,  // leaves unchanged
    RoleSynd  = 4'd1,  // beat 0: syndrome 0x13
    RoleTr4Hd = 4'd2,  // transport IPv4, beat 1: total length, protocol
    RoleTr6Hd = 4'd3,  // transport IPv6, beat 1: payload length, next header
    RoleTr4Cut = 4'd4, // transport IPv4, beat 2: bytes 32..41 (checksum anew), then 58..63
    RoleTr6Cut = 4'd5, // transport IPv6, beat 3: bytes 48..61, then 78..79
    RoleWait  = 4'd6,  // tunnel, outer header: nothing leaves
    RoleTun4  = 4'd7,  // tunnel, outer IPv4: lanes 4..15, then the next beat's 0..3
    RoleTun6  = 4'd8   // tunnel, outer IPv6: lanes 8..15, then the next beat's 0..7
  } role_e;

  // Where the packet's bytes start and end within the input (contract section 5: 22 bytes
  // of MACs, metadata and EtherType before the IP header).
  localparam int Tr4CutBeat = 2;   // 42 = 2 * 16 + 10: the ESP header starts in lane 10
  localparam int Tr6CutBeat = 3;   // 62 = 3 * 16 + 14
  localparam int Tun4Start  = 3;   // 22 + 36 = 58 = 3 * 16 + 10: the inner packet's beat
  localparam int Tun6Start  = 4;   // 22 + 56 = 78 = 4 * 16 + 14
  // Bytes of the input that are not delivered as the packet: the 22-byte prefix and what
  // is removed (ESP header and IV; tunnel, the outer IP header as well).
  localparam logic [15:0] OverTr   = 16'd38;
  localparam logic [15:0] OverTun4 = 16'd58;
  localparam logic [15:0] OverTun6 = 16'd78;

  // Ones' complement sum (RFC 1071).
  function automatic logic [15:0] add1c(input logic [15:0] a, input logic [15:0] b);
    logic [16:0] s;
    s = {1'b0, a} + {1'b0, b};
    add1c = s[15:0] + {15'b0, s[16]};
  endfunction

  // ---- Records ---------------------------------------------------------------------------------
  // A tunnel frame whose next header is neither 4 nor 41 is decided as its record is pushed:
  // `bad` waits at the queue's head as a register, so the first beat's decisions (whether it
  // leaves straight, whether the frame is dropped) read registers only.
  logic                      rec_valid, rec_pop, rec_afull, rec_bad, rec_in_bad;
  esp_rx_pkg::rx_decap_rec_t rec;
  logic [$bits(rec_i):0]     rec_in, rec_head;  // {record, bad}

  assign rec_in_bad = rec_i.pkt && rec_i.tunnel && !rec_i.drop &&
                      rec_i.next_hdr != esp_pkg::IpProtoIpv4 &&
                      rec_i.next_hdr != esp_pkg::IpProtoIpv6;
  assign rec_in     = {rec_i, rec_in_bad};

  head_fifo #(.Width($bits(rec_in)), .Depth(RecDepth)) u_rec (
    .clk_i, .rst_ni,
    .push_i (rec_valid_i && rec_ready_o), .data_i (rec_in),
    .pop_i  (rec_pop), .valid_o (rec_valid), .data_o (rec_head),
    .almost_full_o (rec_afull)
  );
  assign rec_ready_o = !rec_afull;
  assign rec         = rec_head[$bits(rec_i):1];
  assign rec_bad     = rec_head[0];

  // ---- Input ----------------------------------------------------------------------------------
  beat_t       c;         // the input beat
  beat_t       h_q;       // the hold register
  logic        h_valid_q, h_alone_q, h_onc_q, h_first_q;
  role_e       h_role_q;
  logic        first_q;   // the next input beat is a frame's first
  kind_e       kind_q;    // the kind of the frame being taken
  logic [2:0]  idx_q;     // the index of the next input beat in its frame, saturating at 7
  logic        out_ready, fire, direct, emit, h_go;
  kind_e       c_kind;
  logic [2:0]  c_idx;
  logic        c_bad;

  assign c.data = s_axis_tdata_i;
  assign c.keep = s_axis_tkeep_i;
  assign c.last = s_axis_tlast_i;
  assign c.user = s_axis_tuser_i;

  assign s_axis_tready_o = out_ready && (!first_q || rec_valid);
  assign fire            = s_axis_tvalid_i && s_axis_tready_o;
  assign rec_pop         = fire && first_q;
  assign c_idx           = first_q ? 3'd0 : idx_q;

  // The kind of the frame of the input beat: from its record with its first beat (the
  // record's `bad` apart, into the hold register's valid bit and the frame's kind only).
  always_comb begin
    c_kind = kind_q;
    if (first_q) begin
      if (rec.drop)         c_kind = KindDrop;
      else if (!rec.pkt)    c_kind = KindPass;
      else if (!rec.tunnel) c_kind = rec.ipv6 ? KindTr6 : KindTr4;
      else                  c_kind = rec.ipv6 ? KindTun6 : KindTun4;
    end
  end
  assign c_bad = first_q && rec_bad;

  // A beat of a frame that passes, and the first beat of a packet frame (which changes only
  // its syndrome byte), go straight to the output when nothing is held; decided on
  // registers only.
  logic direct_synd;
  assign direct      = !h_valid_q && (first_q ? (rec_valid && !rec.drop && !rec_bad)
                                              : kind_q == KindPass);
  assign direct_synd = first_q && rec.pkt;

  // ---- The role the input beat takes in the hold register ---------------------------------
  logic  load_d, alone_d, onc_d, first_d;
  role_e role_d;

  always_comb begin
    load_d  = 1'b1;
    alone_d = 1'b0;   // leaves on its own
    onc_d   = 1'b0;   // waits for the next beat, and leaves with it (but RoleWait)
    first_d = 1'b0;
    role_d  = RoleRaw;
    unique case (c_kind)
      KindPass: alone_d = 1'b1;
      KindDrop, KindBad: load_d = 1'b0;
      KindTr4, KindTr6: begin
        alone_d = 1'b1;
        if (c_idx == 3'd0) begin
          role_d = RoleSynd;
        end else if (c_idx == 3'd1) begin
          role_d = c_kind == KindTr4 ? RoleTr4Hd : RoleTr6Hd;
        end else if (c_kind == KindTr4 && c_idx == 3'(Tr4CutBeat)) begin
          role_d = RoleTr4Cut;
          alone_d = 1'b0;
          onc_d   = 1'b1;
        end else if (c_kind == KindTr6 && c_idx == 3'(Tr6CutBeat)) begin
          role_d = RoleTr6Cut;
          alone_d = 1'b0;
          onc_d   = 1'b1;
        end else if ((c_kind == KindTr4 && c_idx == 3'(Tr4CutBeat + 1)) ||
                     (c_kind == KindTr6 && c_idx == 3'(Tr6CutBeat + 1))) begin
          load_d = 1'b0;  // its bytes left with the beat before (ESP header, IV, or merged)
        end
      end
      KindTun4, KindTun6: begin
        if (c_idx == 3'd0) begin
          role_d  = RoleSynd;
          alone_d = 1'b1;
        end else if (c_idx < (c_kind == KindTun4 ? 3'(Tun4Start) : 3'(Tun6Start))) begin
          role_d = RoleWait;
          onc_d  = 1'b1;
        end else begin
          role_d  = c_kind == KindTun4 ? RoleTun4 : RoleTun6;
          first_d = c_idx == (c_kind == KindTun4 ? 3'(Tun4Start) : 3'(Tun6Start));
          if (c.last) begin
            // The frame's tail: the beat's bytes past the shift, and out beat 1's first six
            // bytes when it is the inner packet's first beat. Without any, nothing is left.
            alone_d = first_d || (c_kind == KindTun4 ? c.keep[4] : c.keep[8]);
            load_d  = alone_d;
          end else begin
            onc_d = 1'b1;
          end
        end
      end
      default: load_d = 1'b0;
    endcase
  end

  // ---- What leaves --------------------------------------------------------------------------
  // The hold register leaves on its own, or with the input beat that completes it.
  assign h_go = h_valid_q && (h_alone_q || (h_onc_q && fire));
  assign emit = (fire && direct) || (h_go && h_role_q != RoleWait);

  // Header fields for the hold register's beat, computed as it is loaded.
  logic [7:0]  next_hdr_q;
  logic [15:0] len4_q, len6_q, csum_q, adj_q, etype_q;
  logic [31:0] handle_q;

  always_ff @(posedge clk_i) begin
    if (fire && first_q) next_hdr_q <= rec.next_hdr;
    if (fire && c_idx == 3'd1) handle_q <= c.data[31:0];
    if (fire) begin
      // Beat 1: IPv4 total length (bytes 24..25), IPv6 payload length (26..27), less 16.
      len4_q <= {c.data[8*8 +: 8], c.data[8*9 +: 8]} - 16'd16;
      len6_q <= {c.data[8*10 +: 8], c.data[8*11 +: 8]} - 16'd16;
      // Beat 2: the IPv4 header checksum (bytes 32..33) adjusted, RFC 1624 eqn. 3:
      // HC' = ~(~HC + ~m + m') over both words that change.
      csum_q <= ~add1c(~{c.data[7:0], c.data[15:8]}, adj_q);
    end
    // ~m + m' of both words, next header known from beat 0: total length L to L - 16
    // (-16 = 0xFFEF) and TTL|50 to TTL|next header (0xFFCD + next header): 0xFFBD + nh.
    adj_q   <= add1c(16'hFFBD, {8'd0, next_hdr_q});
    etype_q <= next_hdr_q == esp_pkg::IpProtoIpv6 ? esp_pkg::EthertypeIpv6
                                                  : esp_pkg::EthertypeIpv4;
  end

  beat_t o;
  always_comb begin
    o = h_q;
    unique case (h_role_q)
      RoleRaw, RoleWait: ;
      RoleSynd: o.data[8*14 +: 8] = esp_pkg::SyndRxDecap;
      RoleTr4Hd: begin
        o.data[8*8 +: 16] = {len4_q[7:0], len4_q[15:8]};
        o.data[8*15 +: 8] = next_hdr_q;
      end
      RoleTr6Hd: begin
        o.data[8*10 +: 16] = {len6_q[7:0], len6_q[15:8]};
        o.data[8*12 +: 8]  = next_hdr_q;
      end
      RoleTr4Cut: begin
        o.data = {c.data[127:80], h_q.data[79:16], csum_q[7:0], csum_q[15:8]};
        o.keep = {c.keep[15:10], h_q.keep[9:0]};
        o.last = c.last;
        o.user = c.user;
      end
      RoleTr6Cut: begin
        o.data = {c.data[127:112], h_q.data[111:0]};
        o.keep = {c.keep[15:14], h_q.keep[13:0]};
        o.last = c.last;
        o.user = c.user;
      end
      RoleTun4: begin
        o.data = {c.data[31:0], h_q.data[127:32]};
        if (h_alone_q) begin
          o.keep = {4'b0, h_q.keep[15:4]};
          o.last = 1'b1;
        end else begin
          o.keep = {c.keep[3:0], 12'hfff};
          o.last = c.last && !c.keep[4];
          o.user = c.user;
        end
      end
      RoleTun6: begin
        o.data = {c.data[63:0], h_q.data[127:64]};
        if (h_alone_q) begin
          o.keep = {8'b0, h_q.keep[15:8]};
          o.last = 1'b1;
        end else begin
          o.keep = {c.keep[7:0], 8'hff};
          o.last = c.last && !c.keep[8];
          o.user = c.user;
        end
      end
      default: ;
    endcase
    // Output beat 1 of a tunnel frame: bytes 16..19 (the handle) kept, 20..21 the inner
    // family's EtherType (P4: "its EtherType that of the inner family").
    if (h_first_q) begin
      o.data[47:0] = {etype_q[7:0], etype_q[15:8], handle_q};
      o.keep[5:0]  = 6'h3f;
    end
    if (direct) begin
      o = c;
      if (direct_synd) o.data[8*14 +: 8] = esp_pkg::SyndRxDecap;
    end
  end

  // ---- State ----------------------------------------------------------------------------------
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      h_valid_q <= 1'b0;
      first_q   <= 1'b1;
      kind_q    <= KindPass;
      idx_q     <= 3'd0;
    end else if (out_ready) begin
      if (fire) begin
        h_valid_q <= load_d && !direct && !c_bad;
        first_q   <= c.last;
        kind_q    <= c_bad ? KindBad : c_kind;
        idx_q     <= c.last ? 3'd0 : (c_idx == 3'd7 ? 3'd7 : c_idx + 3'd1);
      end else if (h_go) begin
        h_valid_q <= 1'b0;
      end
    end
  end

  always_ff @(posedge clk_i) begin
    if (fire) begin
      h_q       <= c;
      h_role_q  <= role_d;
      h_alone_q <= alone_d;
      h_onc_q   <= onc_d;
      h_first_q <= first_d;
    end
  end

  beat_t m_beat;
  stream_skid #(.DataW($bits(o))) u_out (
    .clk_i, .rst_ni,
    .s_valid_i (emit), .s_ready_o (out_ready), .s_data_i (o),
    .m_valid_o (m_axis_tvalid_o), .m_ready_i (m_axis_tready_i), .m_data_o (m_beat)
  );

  assign m_axis_tdata_o = m_beat.data;
  assign m_axis_tkeep_o = m_beat.keep;
  assign m_axis_tlast_o = m_beat.last;
  assign m_axis_tuser_o = m_beat.user;

  // ---- Lifetime sideband -------------------------------------------------------------------
  // The packet's bytes: 16 per beat but the last, which has keep_count's, less the kind's
  // overhead, started at 16 - overhead with the first beat (two's complement: the sum of a
  // packet frame is never negative, it has the overhead at least).
  logic [15:0] blen_q, life_bytes_q, life_sa_q, sa_q;
  logic        life_valid_q, bad_inner_q;
  logic [15:0] over;

  always_comb begin
    over = OverTr;
    if (rec.tunnel) over = rec.ipv6 ? OverTun6 : OverTun4;
  end

  always_ff @(posedge clk_i) begin
    if (fire) begin
      if (first_q) sa_q <= rec.sa_index;
      blen_q <= first_q ? 16'd16 - over : blen_q + 16'd16;
    end
    if (fire && c.last) begin
      life_bytes_q <= blen_q + 16'(esp_pkg::keep_count(c.keep));
      life_sa_q    <= first_q ? rec.sa_index : sa_q;
    end
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      life_valid_q <= 1'b0;
      bad_inner_q  <= 1'b0;
    end else begin
      // A packet-SA frame is four beats at least: its last beat's kind is a register.
      life_valid_q <= fire && c.last && !first_q && (kind_q == KindTr4 || kind_q == KindTr6 ||
                                                     kind_q == KindTun4 || kind_q == KindTun6);
      bad_inner_q  <= fire && c.last && !first_q && kind_q == KindBad;
    end
  end

  assign life_valid_o    = life_valid_q;
  assign life_sa_index_o = life_sa_q;
  assign life_bytes_o    = life_bytes_q;
  assign bad_inner_o     = bad_inner_q;

`ifdef IPSEC_ASSERTIONS
  // The RX pipeline hands over packet-SA frames of its own layout only: IPv4 without
  // options, and at least the headers (58 bytes after an IPv4 header, 78 after IPv6), so a
  // frame never ends before the beat its cut or its realignment reads.
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
    end else begin
      assert (!(fire && c.last && (
                  ((c_kind == KindTr4 || c_kind == KindTun4) && c_idx < 3'(Tr4CutBeat + 1)) ||
                  ((c_kind == KindTr6 || c_kind == KindTun6) && c_idx < 3'(Tr6CutBeat + 1)))))
        else $error("esp_rx_decap: a packet-SA frame shorter than its headers");
      assert (!(fire && c_idx == 3'd1 && (c_kind == KindTr4 || c_kind == KindTun4) &&
                c.data[8*6 +: 8] != 8'h45))
        else $error("esp_rx_decap: a packet-SA frame whose IPv4 header is not 20 bytes");
      assert (!(fire && !c.last && c.keep != 16'hffff))
        else $error("esp_rx_decap: a beat but the last is not full");
      // The metadata's content byte 3 (frame byte 15), which the stage leaves as it is.
      assert (!(fire && first_q && rec.pkt && !rec.drop && c.data[8*15 +: 8] != rec.next_hdr))
        else $error("esp_rx_decap: a record's next header is not its frame's metadata's");
    end
  end
`endif

endmodule
