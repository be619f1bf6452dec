// The AES-GCM stream unit (gcm_stream) under Icarus Verilog: a second simulator on the
// stimulus the Verilated harness (gcm_stream_harness.cpp) drives, for `make bench`'s
// sim.icarus_ratio and the CTest "crypto: icarus" check (testbench/crypto/icarus_gcm.h).
//
// The C++ side writes the stimulus as a text file of hex numbers and compiles this bench
// with `iverilog -g2012`; `vvp -n` runs it with +stim=FILE +out=FILE. It drives the unit
// clock by clock exactly as the harness does: a source that presents the next beat when
// its stall decision says go and keeps it until taken, a sink whose ready follows its own
// decision on every clock (the decisions are in the file, drawn by the same generators as
// the harness's). Every output beat is written as `kind keep data tag_ok`, and last
// `clocks N`: the clocks simulated after reset.
//
// Stimulus file, whitespace-separated hex:
//   messages beats in_decisions out_decisions
//   per message: key (64 digits, byte 0 first) iv (24 digits) key256 decrypt
//   per beat:    message kind keep data (32 digits, byte 15 first: byte i in [8i+7:8i])
//   in_decisions values 0/1, then out_decisions values 0/1 (no decisions: always go)
//
// Icarus 11 needs rtl/crypto rewritten on a copy first (icarus_gcm.cpp says what and why).
`timescale 1ns / 1ps
module gcm_stream_icarus_tb;

  localparam int MaxMessages  = 256;
  localparam int MaxBeats     = 8192;
  localparam int MaxDecisions = 65536;
  localparam int IdleLimit    = 2000;  // clocks without a beat moving: the unit is stuck

  logic         clk_i = 1'b0, rst_ni = 1'b0;
  logic [255:0] key_i = '0;
  logic         key256_i = 1'b0;
  logic [95:0]  iv_i = '0;
  logic         decrypt_i = 1'b0;
  logic         s_valid_i = 1'b0, s_ready_o;
  logic [127:0] s_data_i = '0;
  logic [15:0]  s_keep_i = '0;
  logic [1:0]   s_kind_i = '0;
  logic         m_valid_o, m_ready_i = 1'b0;
  logic [127:0] m_data_o;
  logic [15:0]  m_keep_o;
  logic [1:0]   m_kind_o;
  logic         m_tag_ok_o;

  gcm_stream dut (.*);

  logic [255:0] msg_key     [MaxMessages];
  logic [95:0]  msg_iv      [MaxMessages];
  logic         msg_key256  [MaxMessages];
  logic         msg_decrypt [MaxMessages];
  logic [31:0]  beat_msg    [MaxBeats];
  logic [1:0]   beat_kind   [MaxBeats];
  logic [15:0]  beat_keep   [MaxBeats];
  logic [127:0] beat_data   [MaxBeats];
  logic         in_go       [MaxDecisions];
  logic         out_go      [MaxDecisions];

  string stim_path, out_path;
  int    fd, out, n;
  int    messages, beats, in_decisions, out_decisions;
  int    next_beat, next_in, next_out, tags_out, idle;
  longint clocks;
  logic  presenting, in_fire, out_fire;
  logic [255:0] key_v;
  logic [95:0]  iv_v;
  logic [127:0] data_v;
  logic [31:0]  a, b, c, d;

  initial begin
    if (!$value$plusargs("stim=%s", stim_path) || !$value$plusargs("out=%s", out_path))
      $fatal(1, "usage: vvp -n TB +stim=FILE +out=FILE");
    fd = $fopen(stim_path, "r");
    if (fd == 0) $fatal(1, "gcm_stream_icarus_tb: cannot open %s", stim_path);
    n = $fscanf(fd, "%h %h %h %h", messages, beats, in_decisions, out_decisions);
    if (n != 4 || messages > MaxMessages || beats > MaxBeats || in_decisions > MaxDecisions ||
        out_decisions > MaxDecisions)
      $fatal(1, "gcm_stream_icarus_tb: bad header or too much stimulus in %s", stim_path);
    for (int i = 0; i < messages; i++) begin
      n = $fscanf(fd, "%h %h %h %h", key_v, iv_v, a, b);
      if (n != 4) $fatal(1, "gcm_stream_icarus_tb: bad message %0d", i);
      msg_key[i] = key_v;
      msg_iv[i] = iv_v;
      msg_key256[i] = a[0];
      msg_decrypt[i] = b[0];
    end
    for (int i = 0; i < beats; i++) begin
      n = $fscanf(fd, "%h %h %h %h", a, b, c, data_v);
      if (n != 4 || a >= messages) $fatal(1, "gcm_stream_icarus_tb: bad beat %0d", i);
      beat_msg[i] = a;
      beat_kind[i] = b[1:0];
      beat_keep[i] = c[15:0];
      beat_data[i] = data_v;
    end
    for (int i = 0; i < in_decisions; i++) begin
      if ($fscanf(fd, "%h", a) != 1) $fatal(1, "gcm_stream_icarus_tb: bad in decision %0d", i);
      in_go[i] = a[0];
    end
    for (int i = 0; i < out_decisions; i++) begin
      if ($fscanf(fd, "%h", a) != 1) $fatal(1, "gcm_stream_icarus_tb: bad out decision %0d", i);
      out_go[i] = a[0];
    end
    $fclose(fd);
    out = $fopen(out_path, "w");
    if (out == 0) $fatal(1, "gcm_stream_icarus_tb: cannot write %s", out_path);

    // Reset as the harness does: two clocks with rst_ni low.
    repeat (4) #5 clk_i = !clk_i;
    rst_ni = 1'b1;
    #5;

    next_beat = 0; next_in = 0; next_out = 0; tags_out = 0; idle = 0; clocks = 0;
    presenting = 1'b0;
    while (tags_out < messages) begin
      // This clock's inputs.
      // A decision of each generator is used only when the harness asks for one.
      if (!presenting && next_beat < beats) begin
        if (in_decisions == 0) presenting = 1'b1;
        else if (next_in >= in_decisions) $fatal(1, "gcm_stream_icarus_tb: out of in decisions");
        else begin
          presenting = in_go[next_in];
          next_in = next_in + 1;
        end
      end
      s_valid_i = presenting;
      if (presenting) begin
        key_i     = msg_key[beat_msg[next_beat]];
        key256_i  = msg_key256[beat_msg[next_beat]];
        iv_i      = msg_iv[beat_msg[next_beat]];
        decrypt_i = msg_decrypt[beat_msg[next_beat]];
        s_data_i  = beat_data[next_beat];
        s_keep_i  = beat_keep[next_beat];
        s_kind_i  = beat_kind[next_beat];
      end
      if (out_decisions == 0) m_ready_i = 1'b1;
      else if (next_out >= out_decisions) $fatal(1, "gcm_stream_icarus_tb: out of out decisions");
      else begin
        m_ready_i = out_go[next_out];
        next_out = next_out + 1;
      end
      #1;
      in_fire  = s_valid_i && s_ready_o;
      out_fire = m_valid_o && m_ready_i;
      if (out_fire) begin
        $fwrite(out, "%h %h %h %h\n", m_kind_o, m_keep_o, m_data_o, m_tag_ok_o);
        if (m_kind_o == 2'd3) tags_out = tags_out + 1;
      end
      #4 clk_i = 1'b1;
      #5 clk_i = 1'b0;
      clocks = clocks + 1;
      if (in_fire) begin
        next_beat = next_beat + 1;
        presenting = 1'b0;
      end
      idle = (in_fire || out_fire) ? 0 : idle + 1;
      if (idle > IdleLimit) $fatal(1, "gcm_stream_icarus_tb: no progress at clock %0d", clocks);
    end
    $fwrite(out, "clocks %0d\n", clocks);
    $fclose(out);
    $finish;
  end

endmodule
