// Removes the 8-byte in-band metadata (contract section 5) from frames whose EtherType is
// 0x8CE4: output byte n is input byte n for n < 12 and input byte n + 8 after. Other
// frames pass unchanged. Every frame is delayed by one beat (output beat k is complete
// when input beat k + 1 arrives); a frame's final beat leaves with the next frame's first
// beat or on the first clock without input, so back-to-back frames never wait.
module esp_tx_strip (
  input  logic         clk_i,
  input  logic         rst_ni,

  input  logic         s_valid_i,
  output logic         s_ready_o,
  input  logic [127:0] s_data_i,
  input  logic [15:0]  s_keep_i,
  input  logic         s_last_i,
  input  logic         s_user_i,

  output logic         m_valid_o,
  input  logic         m_ready_i,
  output logic [127:0] m_data_o,
  output logic [15:0]  m_keep_o,
  output logic         m_last_o,
  output logic         m_user_o
);

  typedef struct packed {
    logic         user;
    logic         last;
    logic [15:0]  keep;
    logic [127:0] data;
  } beat_t;

  beat_t       carry_q, in_beat, out_beat;
  logic        carry_valid_q;
  logic        carry_first_q;   // the carried beat is beat 0 of its frame
  logic        strip_q;         // the carried beat's frame loses its metadata
  logic        first_q;         // the next input beat starts a frame
  logic        tail_q;          // the carried beat keeps bytes if it is the last and stripped
  logic        skid_ready, fire, emit;
  logic        in_strip;

  assign in_beat.user = s_user_i;
  assign in_beat.last = s_last_i;
  assign in_beat.keep = s_keep_i;
  assign in_beat.data = s_data_i;

  assign s_ready_o = skid_ready;
  assign fire      = s_valid_i && skid_ready;
  // Beat 0 of a frame: EtherType in bytes 12..13.
  assign in_strip  = first_q ? ({s_data_i[8*12 +: 8], s_data_i[8*13 +: 8]} == esp_pkg::MetaEthertype)
                             : strip_q;

  // The beat that would leave, whatever moves: the handshake only decides whether it does.
  always_comb begin
    out_beat = carry_q;
    if (strip_q && carry_q.last) begin
      // The frame's tail: carried bytes 8..15 (or 0..11 of a one-beat frame).
      out_beat.data = carry_first_q ? carry_q.data : {64'b0, carry_q.data[127:64]};
      out_beat.keep = carry_first_q ? (carry_q.keep & 16'h0fff) : {8'b0, carry_q.keep[15:8]};
    end else if (strip_q) begin
      // Carried beat k and input beat k + 1 (beat 0: bytes 0..11 and 20..23).
      out_beat.user = s_user_i;
      out_beat.last = s_last_i && s_keep_i[8] == 1'b0;
      if (carry_first_q) begin
        out_beat.data = {s_data_i[63:32], carry_q.data[95:0]};
        out_beat.keep = {s_keep_i[7:4], carry_q.keep[11:0]};
      end else begin
        out_beat.data = {s_data_i[63:0], carry_q.data[127:64]};
        out_beat.keep = {s_keep_i[7:0], carry_q.keep[15:8]};
      end
    end
    // A tail with no byte left (from the carried beat alone) does not leave.
    emit = carry_valid_q && skid_ready && (fire || carry_q.last) &&
           (!strip_q || !carry_q.last || tail_q);
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      carry_valid_q <= 1'b0;
      first_q       <= 1'b1;
      strip_q       <= 1'b0;
      carry_first_q <= 1'b0;
      tail_q        <= 1'b0;
    end else if (fire) begin
      carry_valid_q <= 1'b1;
      carry_first_q <= first_q;
      strip_q       <= in_strip;
      first_q       <= s_last_i;
      // Whether the beat, stripped as its frame's last, keeps any byte: computed as it is
      // taken, so that the emit decision reads a register rather than a compare of keep.
      tail_q        <= (first_q ? (s_keep_i & 16'h0fff) : {8'b0, s_keep_i[15:8]}) != '0;
    end else if (carry_valid_q && carry_q.last && skid_ready) begin
      carry_valid_q <= 1'b0;  // the tail left on a clock without input
    end
  end

  always_ff @(posedge clk_i) begin
    if (fire) carry_q <= in_beat;
  end

  beat_t m_beat;
  stream_skid #(.DataW($bits(out_beat))) u_out (
    .clk_i, .rst_ni,
    .s_valid_i (emit), .s_ready_o (skid_ready), .s_data_i (out_beat),
    .m_valid_o, .m_ready_i, .m_data_o (m_beat)
  );

  assign m_data_o = m_beat.data;
  assign m_keep_o = m_beat.keep;
  assign m_last_o = m_beat.last;
  assign m_user_o = m_beat.user;

endmodule
