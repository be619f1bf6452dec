// AXI4-Lite slave properties for formal proofs (make formal, docs/formal.md): what a slave
// must do on its five channels when its master keeps the rules (AMBA AXI and ACE
// specification, IHI 0022, sections A3.2 and B1). In the style of the published AXI property
// sets, written for this project. The master's rules are assumed, the slave's asserted:
// - a valid, once raised, stays high with its payload unchanged until the handshake (A3.2.1);
// - a write response follows only a write whose address and data were both accepted, a read
//   response only an accepted read: one response per request, in order (AXI4-Lite has no
//   IDs);
// - no request waits for its response more than MaxWait clocks while the master is ready for
//   it (the slave never hangs);
// - at most MaxOutstanding requests of a kind are accepted and unanswered.
// The caller checks the responses' content (bresp_expected_i / rresp_expected_i: what the
// register map says of the address of the response's request).
module axil_slave_props #(
  parameter int AddrW          = 12,
  parameter int MaxWait        = 8,
  parameter int MaxOutstanding = 2
) (
  input logic             clk_i,
  input logic             rst_ni,
  input logic             awvalid, awready,
  input logic [AddrW-1:0] awaddr,
  input logic             wvalid, wready,
  input logic [31:0]      wdata,
  input logic [3:0]       wstrb,
  input logic             bvalid, bready,
  input logic [1:0]       bresp,
  input logic             arvalid, arready,
  input logic [AddrW-1:0] araddr,
  input logic             rvalid, rready,
  input logic [31:0]      rdata,
  input logic [1:0]       rresp,
  // The address of the oldest unanswered write / read request (valid with bvalid / rvalid).
  output logic [AddrW-1:0] b_addr_o,
  output logic [AddrW-1:0] r_addr_o
);

  logic past_q = 1'b0;
  always_ff @(posedge clk_i) past_q <= 1'b1;

  logic aw_fire, w_fire, b_fire, ar_fire, r_fire;
  assign aw_fire = awvalid && awready;
  assign w_fire  = wvalid && wready;
  assign b_fire  = bvalid && bready;
  assign ar_fire = arvalid && arready;
  assign r_fire  = rvalid && rready;

  // ---- The master keeps the rules (assumed) ----
  initial assume (!rst_ni);
  always_ff @(posedge clk_i) begin
    if (past_q && !$past(rst_ni)) begin
      assume (!awvalid && !wvalid && !arvalid);
    end
    if (past_q && $past(rst_ni) && rst_ni) begin
      if ($past(awvalid && !awready)) assume (awvalid && awaddr == $past(awaddr));
      if ($past(wvalid && !wready))
        assume (wvalid && wdata == $past(wdata) && wstrb == $past(wstrb));
      if ($past(arvalid && !arready)) assume (arvalid && araddr == $past(araddr));
    end
  end

  // ---- The slave keeps them too (asserted) ----
  always_ff @(posedge clk_i) begin
    if (past_q && $past(rst_ni) && rst_ni) begin
      if ($past(bvalid && !bready)) assert (bvalid && bresp == $past(bresp));
      if ($past(rvalid && !rready))
        assert (rvalid && rdata == $past(rdata) && rresp == $past(rresp));
    end
  end

  // Requests accepted and not yet answered, and the addresses of the unanswered ones in
  // order (a queue of MaxOutstanding + 1: one more than allowed shows as an overflow).
  localparam int QD = MaxOutstanding + 1;
  logic [3:0]       aw_n_q, w_n_q, ar_n_q;  // accepted, not yet answered
  logic [AddrW-1:0] awq_q [QD];
  logic [AddrW-1:0] arq_q [QD];

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      aw_n_q <= '0;
      w_n_q  <= '0;
      ar_n_q <= '0;
    end else begin
      aw_n_q <= aw_n_q + 4'(aw_fire) - 4'(b_fire);
      w_n_q  <= w_n_q + 4'(w_fire) - 4'(b_fire);
      ar_n_q <= ar_n_q + 4'(ar_fire) - 4'(r_fire);
    end
  end

  // Address queues: entry 0 is the oldest.
  always_ff @(posedge clk_i) begin
    for (int i = 0; i < QD; i++) begin
      if (b_fire) awq_q[i] <= (i + 1 < QD) ? awq_q[i + 1] : '0;
      if (r_fire) arq_q[i] <= (i + 1 < QD) ? arq_q[i + 1] : '0;
    end
    for (int i = 0; i < QD; i++) begin
      if (aw_fire && 4'(i) == aw_n_q - 4'(b_fire)) awq_q[i] <= awaddr;
      if (ar_fire && 4'(i) == ar_n_q - 4'(r_fire)) arq_q[i] <= araddr;
    end
  end

  assign b_addr_o = awq_q[0];
  assign r_addr_o = arq_q[0];

  always_comb begin
    if (rst_ni) begin
      // A response answers a request already made (its address and, for a write, its data).
      if (bvalid) assert (aw_n_q != '0 && w_n_q != '0);
      if (rvalid) assert (ar_n_q != '0);
      assert (aw_n_q <= 4'(MaxOutstanding) && ar_n_q <= 4'(MaxOutstanding));
      assert (w_n_q <= 4'(MaxOutstanding));
    end
  end

  // Bounded response time while the master waits for it.
  logic [7:0] b_wait_q, r_wait_q;
  logic       held_off;
  assign held_off = (bvalid && !bready) || (rvalid && !rready);
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      b_wait_q <= '0;
      r_wait_q <= '0;
    end else begin
      // A clock in which the master holds off a response does not count: the slave may have
      // to wait for it to drain (it shares its response buffer between the channels).
      if (aw_n_q == '0 || w_n_q == '0 || bvalid) b_wait_q <= '0;
      else if (!held_off)                         b_wait_q <= b_wait_q + 1'b1;
      if (ar_n_q == '0 || rvalid)                 r_wait_q <= '0;
      else if (!held_off)                         r_wait_q <= r_wait_q + 1'b1;
    end
  end
  always_comb begin
    if (rst_ni) begin
      assert (b_wait_q <= 8'(MaxWait));
      assert (r_wait_q <= 8'(MaxWait));
    end
  end

  always_ff @(posedge clk_i) begin
    if (rst_ni) begin
      cover (b_fire && bresp == 2'b00);
      cover (b_fire && bresp == 2'b10);
      cover (r_fire && rresp == 2'b00);
      cover (r_fire && rresp == 2'b10);
      cover (ar_n_q == 4'(MaxOutstanding));  // the slave takes as many as it may
      cover (aw_n_q == 4'(MaxOutstanding));
    end
  end

  logic unused;
  assign unused = ^{wdata, wstrb};

endmodule
