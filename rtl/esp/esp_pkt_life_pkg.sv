// Types and constants of the packet SAs' lifetime unit (esp_pkt_life; packet sections P3,
// P4, P5, P6 and P8).
package esp_pkt_life_pkg;

  // Clocks from a request to what answers it (see esp_pkt_life's header).
  localparam int OpLatency   = 6;  // an op in cycle r: its answer in cycle r + 6
  localparam int OpSpacing   = 4;  // per direction, at most one op in any 4 consecutive clocks
  localparam int SnapLatency = 5;  // a snapshot asked in cycle r: the words from cycle r + 5
  localparam int EventDepth  = 16; // packet section P6

  // What one op of a direction does.
  typedef enum logic [1:0] {
    OpCheck     = 2'd0,  // a frame to send (TX) or deliver (RX): check its limits, count it
    OpDropA     = 2'd1,  // TX: seq_exhausted (P3); RX: replay_window (P4 step 1)
    OpDropB     = 2'd2,  // RX: replay (P4 steps 1 and 3)
    OpDropC     = 2'd3   // RX: integrity_failed (P4 step 2)
  } life_op_e;

  // Event kinds (packet section P6).
  typedef enum logic [2:0] {
    EvNone         = 3'd0,
    EvSoftBytes    = 3'd1,
    EvSoftPackets  = 3'd2,
    EvHardBytes    = 3'd3,
    EvHardPackets  = 3'd4,
    EvSeqExhausted = 3'd5
  } life_event_e;

  // The widths of the types below (esp_pkt_life asserts them).
  localparam int CfgBits = 288;
  localparam int StBits  = 327;
  localparam int CntBits = 320;

  // What ADD_SA_PKT sets (P2): the limits, all ones for none (XFRM_INF), and the handle the
  // events carry. Written once per SA, read by every op.
  typedef struct packed {
    logic [31:0] handle;
    logic [63:0] soft_bytes;
    logic [63:0] hard_bytes;
    logic [63:0] soft_packets;
    logic [63:0] hard_packets;
  } life_cfg_t;

  // What the ops change. `fired` bit k: event kind k raised (k = 1..5). An SA is dead (every
  // later frame dropped, P8) exactly when a hard event has fired, kinds 3 to 5: no bit of its
  // own. The three drop counters: TX c2 = seq_exhausted (c3, c4 stay 0); RX c2 =
  // replay_window, c3 = replay, c4 = integrity_failed: the order of PKT_STATS_WORD4..9 (P5).
  typedef struct packed {
    logic        valid;   // the index holds a packet SA
    logic        tx;      // its direction
    logic [5:1]  fired;
    logic [63:0] c4;
    logic [63:0] c3;
    logic [63:0] c2;
    logic [63:0] bytes;
    logic [63:0] packets;
  } life_st_t;

endpackage
