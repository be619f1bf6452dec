// The AXI4-Lite slave in front of the generated register block (its passthrough CPU
// interface, peakrdl-regblock `--cpuif passthrough`): the request is registered before it
// reaches the block, so the block's address decode and read mux start a clock of their own
// (docs/architecture.md, "Registers and commands": the stage map; docs/fpga.md).
//
// - Channels: AR, AW and W each have a holding register; a channel is ready while its
//   holding register is empty (ready depends on no valid). A request goes to the request
//   register in the clock of its handshake when it can, from the holding register otherwise;
//   a write needs its address and its data, in either order. Reads and writes take turns
//   when both wait.
// - The request register (s_cpuif_*) is taken by the block in the clock it is presented,
//   unless the block stalls its kind (a write in the clock after a read, whose data comes a
//   clock later); it is then held.
// - Responses: a write is answered in the clock the block takes it, a read a clock later
//   (its read mux split over two clocks, --rt-read-fanin). Each answer goes into a queue of
//   Depth entries, one response per request in order (AXI4-Lite has no IDs); its head is
//   the B or the R channel's response. At most Depth requests are between the request
//   register and the response handshake, so the queue never overflows.
// - The response code comes from the access map (ReadableWords / WritableWords, made by
//   `make regs` from the register description, ipsec_regs_map_pkg): OKAY for a read of a
//   readable word or a write of a writable one, SLVERR otherwise. It is decoded from the
//   registered word address alone. The block's own error outputs say the same (an
//   assertion checks it in the checking build); their decode is an OR over every address,
//   too deep for the clock. HiddenWords are words the block has but the maps leave out (an
//   engine's build-time option, e.g. packet offload's registers when it is off): they answer
//   SLVERR here while the block answers OKAY, so the assertion passes over them. The block
//   still takes such a request; what it holds there must be inert (the top's business).
// - Address bits [1:0] are ignored: a word is reached by any byte address in it.
//
// Throughput: one request a clock while responses are taken; latency, handshake to
// response: 2 clocks for a write, 3 for a read.
module axil_regs_if #(
  parameter int unsigned     AddrW = 12,
  parameter int unsigned     Depth = 4,  // requests in flight, a power of two
  parameter logic [(1<<(AddrW-2))-1:0] ReadableWords = '0,
  parameter logic [(1<<(AddrW-2))-1:0] WritableWords = '0,
  parameter logic [(1<<(AddrW-2))-1:0] HiddenWords   = '0
) (
  input  logic              clk_i,
  input  logic              rst_ni,

  // AXI4-Lite slave, 32-bit data.
  output logic              s_axil_awready_o,
  input  logic              s_axil_awvalid_i,
  input  logic [AddrW-1:0]  s_axil_awaddr_i,
  output logic              s_axil_wready_o,
  input  logic              s_axil_wvalid_i,
  input  logic [31:0]       s_axil_wdata_i,
  input  logic [3:0]        s_axil_wstrb_i,
  input  logic              s_axil_bready_i,
  output logic              s_axil_bvalid_o,
  output logic [1:0]        s_axil_bresp_o,
  output logic              s_axil_arready_o,
  input  logic              s_axil_arvalid_i,
  input  logic [AddrW-1:0]  s_axil_araddr_i,
  input  logic              s_axil_rready_i,
  output logic              s_axil_rvalid_o,
  output logic [31:0]       s_axil_rdata_o,
  output logic [1:0]        s_axil_rresp_o,

  // The register block's passthrough interface.
  output logic              cpuif_req_o,
  output logic              cpuif_req_is_wr_o,
  output logic [AddrW-1:0]  cpuif_addr_o,
  output logic [31:0]       cpuif_wr_data_o,
  output logic [31:0]       cpuif_wr_biten_o,
  input  logic              cpuif_req_stall_wr_i,
  input  logic              cpuif_req_stall_rd_i,
  input  logic              cpuif_rd_ack_i,
  input  logic              cpuif_rd_err_i,
  input  logic [31:0]       cpuif_rd_data_i,
  input  logic              cpuif_wr_ack_i,
  input  logic              cpuif_wr_err_i
);

  localparam int unsigned WordW = AddrW - 2;
  localparam int unsigned PtrW  = $clog2(Depth);
  localparam int unsigned CntW  = $clog2(Depth + 1);

  // ---------------------------------------------------------------------------------------
  // Holding registers: a channel's request that could not go to the request register at once
  // ---------------------------------------------------------------------------------------
  logic             ar_q, aw_q, w_q;
  logic [WordW-1:0] ar_addr_q, aw_addr_q;
  logic [31:0]      w_data_q;
  logic [3:0]       w_strb_q;

  assign s_axil_arready_o = !ar_q;
  assign s_axil_awready_o = !aw_q;
  assign s_axil_wready_o  = !w_q;

  // ---------------------------------------------------------------------------------------
  // Issue: into the request register
  // ---------------------------------------------------------------------------------------
  logic             req_q, req_wr_q;
  logic [WordW-1:0] req_addr_q;
  logic [31:0]      req_data_q;
  logic [3:0]       req_strb_q;
  logic             rd_turn_q;   // a read goes first when both wait
  logic [CntW-1:0]  inflight_q;  // issued, response not yet handed over

  logic rd_avail, wr_avail, taken, go, issue_rd, issue_wr, pop;

  assign rd_avail = ar_q || s_axil_arvalid_i;
  assign wr_avail = (aw_q || s_axil_awvalid_i) && (w_q || s_axil_wvalid_i);
  // The block takes the presented request unless it stalls its kind (stalls are registers).
  assign taken    = req_q && !(req_wr_q ? cpuif_req_stall_wr_i : cpuif_req_stall_rd_i);
  assign go       = (!req_q || taken) && inflight_q != CntW'(Depth);
  assign issue_rd = go && rd_avail && (!wr_avail || rd_turn_q);
  assign issue_wr = go && wr_avail && !(rd_avail && rd_turn_q);

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      ar_q       <= 1'b0;
      aw_q       <= 1'b0;
      w_q        <= 1'b0;
      req_q      <= 1'b0;
      rd_turn_q  <= 1'b0;
      inflight_q <= '0;
    end else begin
      ar_q  <= rd_avail && !issue_rd;
      aw_q  <= (aw_q || s_axil_awvalid_i) && !issue_wr;
      w_q   <= (w_q || s_axil_wvalid_i) && !issue_wr;
      req_q <= issue_rd || issue_wr || (req_q && !taken);
      if (issue_rd)      rd_turn_q <= 1'b0;
      else if (issue_wr) rd_turn_q <= 1'b1;
      inflight_q <= inflight_q + CntW'(issue_rd || issue_wr) - CntW'(pop);
    end
  end

  // Payloads: a holding register loads whenever it is empty (its valid says whether it holds
  // a request); the request register when a request is issued.
  always_ff @(posedge clk_i) begin
    if (!ar_q) ar_addr_q <= s_axil_araddr_i[AddrW-1:2];
    if (!aw_q) aw_addr_q <= s_axil_awaddr_i[AddrW-1:2];
    if (!w_q) begin
      w_data_q <= s_axil_wdata_i;
      w_strb_q <= s_axil_wstrb_i;
    end
    if (issue_rd || issue_wr) begin
      req_wr_q   <= issue_wr;
      req_addr_q <= issue_rd ? (ar_q ? ar_addr_q : s_axil_araddr_i[AddrW-1:2])
                             : (aw_q ? aw_addr_q : s_axil_awaddr_i[AddrW-1:2]);
      req_data_q <= w_q ? w_data_q : s_axil_wdata_i;
      req_strb_q <= w_q ? w_strb_q : s_axil_wstrb_i;
    end
  end

  assign cpuif_req_o       = req_q;
  assign cpuif_req_is_wr_o = req_wr_q;
  assign cpuif_addr_o      = {req_addr_q, 2'b00};
  assign cpuif_wr_data_o   = req_data_q;
  for (genvar i = 0; i < 4; i++) begin : gen_biten
    assign cpuif_wr_biten_o[i*8 +: 8] = {8{req_strb_q[i]}};
  end

  // ---------------------------------------------------------------------------------------
  // Response codes: from the access map, on the registered address
  // ---------------------------------------------------------------------------------------
  logic wr_err, rd_err, rd_err_q;
  assign wr_err = !WritableWords[req_addr_q];
  assign rd_err = !ReadableWords[req_addr_q];

  // A read's data comes the clock after the block takes it: its code waits a clock too.
  always_ff @(posedge clk_i) begin
    if (taken && !req_wr_q) rd_err_q <= rd_err;
  end

`ifdef IPSEC_ASSERTIONS
  logic rd_hidden_q;
  always_ff @(posedge clk_i) begin
    if (taken && !req_wr_q) rd_hidden_q <= HiddenWords[req_addr_q];
  end
`endif

  // ---------------------------------------------------------------------------------------
  // Response queue
  // ---------------------------------------------------------------------------------------
  logic [Depth-1:0]  rq_wr_q, rq_err_q;
  logic [Depth*32-1:0] rq_data_q;
  logic [PtrW:0]     rq_wptr_q, rq_rptr_q;
  logic              push, wr_taken, head_wr, nonempty;
  logic [PtrW-1:0]   wslot, rslot;

  // The block answers a write in the clock it takes it and a read the clock after (its acks
  // say the same, checked below): known from the request register, not from the block's
  // decode, which is deep.
  logic rd_taken_q;
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) rd_taken_q <= 1'b0;
    else         rd_taken_q <= taken && !req_wr_q;
  end
  assign wr_taken = taken && req_wr_q;
  assign push     = wr_taken || rd_taken_q;
  assign wslot = rq_wptr_q[PtrW-1:0];
  assign rslot = rq_rptr_q[PtrW-1:0];

  always_ff @(posedge clk_i) begin
    for (int i = 0; i < Depth; i++) begin
      if (push && wslot == PtrW'(i)) begin
        rq_wr_q[i]   <= wr_taken;
        rq_err_q[i]  <= wr_taken ? wr_err : rd_err_q;
        rq_data_q[i*32 +: 32] <= cpuif_rd_data_i;
      end
    end
  end

  assign nonempty = rq_wptr_q != rq_rptr_q;
  assign head_wr  = rq_wr_q[rslot];
  assign pop      = nonempty && (head_wr ? s_axil_bready_i : s_axil_rready_i);

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      rq_wptr_q <= '0;
      rq_rptr_q <= '0;
    end else begin
      if (push) rq_wptr_q <= rq_wptr_q + 1'b1;
      if (pop)  rq_rptr_q <= rq_rptr_q + 1'b1;
    end
  end

  assign s_axil_bvalid_o = nonempty && head_wr;
  assign s_axil_rvalid_o = nonempty && !head_wr;
  assign s_axil_bresp_o  = rq_err_q[rslot] ? 2'b10 : 2'b00;
  assign s_axil_rresp_o  = rq_err_q[rslot] ? 2'b10 : 2'b00;
  assign s_axil_rdata_o  = rq_data_q[rslot*32 +: 32];

`ifdef IPSEC_ASSERTIONS
  // The block answers as assumed above (in order, a write in the clock it takes it, a read
  // the clock after), and the access map says what the block's own decode says.
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
    end else begin
      assert (cpuif_rd_ack_i == rd_taken_q) else $error("%m: a read not answered the clock after");
      assert (cpuif_wr_ack_i == wr_taken) else $error("%m: a write not answered when taken");
      assert (!cpuif_wr_ack_i || cpuif_wr_err_i == wr_err || HiddenWords[req_addr_q])
        else $error("%m: write to word %0h: access map and register block disagree", req_addr_q);
      assert (!cpuif_rd_ack_i || cpuif_rd_err_i == rd_err_q || rd_hidden_q)
        else $error("%m: read: access map and register block disagree");
      assert (inflight_q <= CntW'(Depth)) else $error("%m: more than Depth requests in flight");
    end
  end
`else
  logic unused_ack;
  assign unused_ack = ^{cpuif_rd_ack_i, cpuif_rd_err_i, cpuif_wr_ack_i, cpuif_wr_err_i,
                        HiddenWords};
`endif

endmodule
