// Valid/ready register slice with a skid register: full throughput, and a registered
// `s_ready_o`, so that a long pipeline in front of it can use `s_ready_o` as its clock
// enable without a combinational path from the downstream `m_ready_i`.
module stream_skid #(
  parameter int DataW = 8
) (
  input  logic             clk_i,
  input  logic             rst_ni,

  input  logic             s_valid_i,
  output logic             s_ready_o,
  input  logic [DataW-1:0] s_data_i,

  output logic             m_valid_o,
  input  logic             m_ready_i,
  output logic [DataW-1:0] m_data_o
);

  logic             ready_q;
  logic             out_valid_q, skid_valid_q;
  logic [DataW-1:0] out_data_q, skid_data_q;
  logic             ready_d;

  // Ready next clock if the output drains, or the skid register stays free even if a beat
  // arrives now.
  assign ready_d = m_ready_i || (!skid_valid_q && (!out_valid_q || !s_valid_i));

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      ready_q      <= 1'b0;
      out_valid_q  <= 1'b0;
      skid_valid_q <= 1'b0;
    end else begin
      ready_q <= ready_d;
      if (ready_q) begin
        if (m_ready_i || !out_valid_q) out_valid_q  <= s_valid_i;
        else                           skid_valid_q <= s_valid_i;
      end else if (m_ready_i) begin
        out_valid_q  <= skid_valid_q;
        skid_valid_q <= 1'b0;
      end
    end
  end

  always_ff @(posedge clk_i) begin
    if (ready_q) begin
      if (m_ready_i || !out_valid_q) out_data_q  <= s_data_i;
      else                           skid_data_q <= s_data_i;
    end else if (m_ready_i) begin
      out_data_q <= skid_data_q;
    end
  end

  assign s_ready_o = ready_q;
  assign m_valid_o = out_valid_q;
  assign m_data_o  = out_data_q;

`ifdef FORMAL
  // Formal properties (make formal, docs/formal.md): no beat lost, none duplicated, order
  // kept, and the AXI4-Stream rules on the output (AMBA AXI4-Stream 2.2.1: once valid, valid
  // and the beat hold until taken). As the proof's top (FORMAL_STREAM_SKID) the source is
  // assumed to keep the same rules; the sink may stall at will.
  logic f_past_q = 1'b0;
  always_ff @(posedge clk_i) f_past_q <= 1'b1;

`ifdef FORMAL_STREAM_SKID
  initial assume (!rst_ni);
  always_ff @(posedge clk_i) begin
    if (f_past_q && $past(rst_ni) && rst_ni && $past(s_valid_i && !s_ready_o)) begin
      assume (s_valid_i);
      assume (s_data_i == $past(s_data_i));
    end
  end
`endif

  logic f_push, f_pop;
  assign f_push = s_valid_i && s_ready_o;
  assign f_pop  = m_valid_o && m_ready_i;

  // One accepted beat, chosen by the solver (any of them), is followed to the output.
  (* anyseq *) logic f_pick;
  logic [1:0]       f_state_q;  // 0: not chosen yet, 1: inside, 2: left
  logic [DataW-1:0] f_data_q;
  logic             f_ahead_q;  // a beat ahead of it (then it is in the skid register)

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      f_state_q <= 2'd0;
    end else if (f_state_q == 2'd0) begin
      if (f_push && f_pick) begin
        f_state_q <= 2'd1;
        f_data_q  <= s_data_i;
        f_ahead_q <= out_valid_q && !f_pop;
      end
    end else if (f_state_q == 2'd1 && f_pop) begin
      if (!f_ahead_q) f_state_q <= 2'd2;
      else            f_ahead_q <= 1'b0;
    end
  end

  always_comb begin
    if (rst_ni) begin
      assert (f_state_q != 2'd3);
      // The skid register holds a beat only behind one at the output, and it is empty
      // whenever the input is ready: an accepted beat always has a place.
      assert (!skid_valid_q || out_valid_q);
      assert (!(ready_q && skid_valid_q));
      if (f_state_q == 2'd1) begin
        if (f_ahead_q) begin
          assert (skid_valid_q && skid_data_q == f_data_q);
        end else begin
          assert (out_valid_q && out_data_q == f_data_q);
        end
      end
    end
  end

  // The output keeps the AXI4-Stream rules.
  always_ff @(posedge clk_i) begin
    if (f_past_q && $past(rst_ni) && rst_ni && $past(m_valid_o && !m_ready_i)) begin
      assert (m_valid_o);
      assert (m_data_o == $past(m_data_o));
    end
  end

  // Full throughput: a beat in and a beat out on the same clock, and the skid in use.
  always_ff @(posedge clk_i) begin
    if (rst_ni) begin
      cover (f_push && f_pop && f_past_q && $past(f_push && f_pop));
      cover (skid_valid_q);
      cover (f_state_q == 2'd2);
    end
  end
`endif

endmodule
