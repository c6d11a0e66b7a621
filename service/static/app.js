// The editor page: paste an article, see its tags and summary, send a correction.
// Plain browser JavaScript, no build step, no network but this service. Article text is only
// ever inserted with textContent (never innerHTML): the page shows untrusted text.
"use strict";

const $ = (id) => document.getElementById(id);

// A campaign whose theme score lies within this distance of its threshold (either side) is
// flagged "gần ngưỡng": a small change to the text could flip it between theme and mention.
const NEAR_THRESHOLD = 0.05;

// Field names in the API's error messages ("field 'text': …"), as the page labels them.
const FIELD_LABELS = {
  text: "Nội dung bài báo",
  title: "Tiêu đề",
  id: "Mã bài",
  article_id: "Mã bài",
  sentences: "Số câu tóm tắt",
  note: "Ghi chú",
};

let taxonomy = { topics: [], campaigns: [] };
let campaignInfo = new Map(); // campaign id → {name, description(_vi), legal_basis, threshold}

// Editors read Vietnamese: the taxonomy's description_vi when it has one, else the
// (English) labelling description.
function describe(campaign) {
  return campaign.description_vi || campaign.description || "";
}
let last = null; // { request, response, articleId, generatedId } of the latest analysis
// Corrections already saved, by a hash of their content → the feedback id, kept in this
// browser: a double click, a re-analysis or a reload does not send the same correction twice.
const SENT_KEY = "tinbai.sentCorrections";
const SENT_KEEP = 500;
const sent = loadSent();
let sending = false;

// -- calling the API ------------------------------------------------------------------------

// An error the page can explain: a Vietnamese sentence for the editor, and what the server
// said (its {"error": {"code", "message"}} body) for whoever supports them.
class ApiProblem extends Error {
  constructor(message, { status = 0, code = "network", detail = "" } = {}) {
    super(message);
    this.status = status;
    this.code = code;
    this.detail = detail;
  }
}

function headers() {
  const h = { "Content-Type": "application/json" };
  const key = $("api-key").value.trim();
  if (key) h["X-API-Key"] = key;
  return h;
}

async function call(method, path, body) {
  let resp;
  try {
    resp = await fetch(path, {
      method,
      headers: headers(),
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (e) {
    throw new ApiProblem(
      "Không kết nối được tới máy chủ. Kiểm tra mạng hoặc máy chủ tinbai rồi thử lại.",
      { detail: String(e.message || e) },
    );
  }
  let data = null;
  try {
    data = await resp.json();
  } catch (e) {
    data = null;
  }
  if (!resp.ok) throw problemFor(resp, data);
  return data;
}

function fieldOf(message) {
  const m = /^field '([A-Za-z_]+)/.exec(message || "");
  return m ? FIELD_LABELS[m[1]] || m[1] : null;
}

// The API's status and error code → what the editor reads; the server's own words follow as
// the detail (they name the field and the limit).
function problemFor(resp, data) {
  const status = resp.status;
  const err = data && data.error ? data.error : null;
  const code = err ? err.code : "http";
  const detail = err ? err.message : `HTTP ${status}`;
  const field = fieldOf(detail);
  const retry = resp.headers.get("Retry-After");
  const later = retry ? `sau ${retry} giây` : "sau ít phút";
  let message;
  if (status === 401) {
    message = "Máy chủ yêu cầu khóa API: nhập khóa đúng ở mục “Khóa API” rồi thử lại.";
  } else if (status === 413) {
    message = field
      ? `${field} dài quá giới hạn máy chủ cho phép.`
      : "Yêu cầu dài quá giới hạn máy chủ cho phép.";
  } else if (status === 422) {
    message = field ? `${field} không hợp lệ.` : "Máy chủ không xử lý được nội dung này.";
  } else if (status === 503 && code === "overloaded") {
    message = `Máy chủ đang quá tải. Vui lòng thử lại ${later}.`;
  } else if (status === 503 && code === "storage_unavailable") {
    message = `Cơ sở dữ liệu chỉnh sửa đang không dùng được. Vui lòng thử lại ${later}.`;
  } else if (status === 503) {
    message = `Máy chủ chưa sẵn sàng (mô hình đang được nạp). Vui lòng thử lại ${later}.`;
  } else if (status === 504) {
    message = "Máy chủ xử lý quá lâu nên đã dừng. Thử lại, hoặc với bài ngắn hơn.";
  } else if (status >= 500) {
    message = "Máy chủ gặp lỗi nội bộ. Vui lòng thử lại; nếu vẫn lỗi, báo cho bộ phận kỹ thuật.";
  } else {
    message = `Máy chủ từ chối yêu cầu (mã lỗi ${status}).`;
  }
  return new ApiProblem(message, { status, code, detail });
}

function showError(problem) {
  const box = $("error");
  box.replaceChildren();
  box.hidden = !problem;
  if (!problem) return;
  box.dataset.code = problem.code || "";
  box.dataset.status = problem.status || 0;
  box.appendChild(el("span", problem.message, "message"));
  if (problem.detail) box.appendChild(el("span", `Chi tiết: ${problem.detail}`, "detail"));
}

// -- showing numbers --------------------------------------------------------------------------

function el(tag, text, className) {
  const node = document.createElement(tag);
  if (text !== undefined) node.textContent = text;
  if (className) node.className = className;
  return node;
}

// A probability as a percentage with one decimal, never rounded up to 100 % (or down to 0 %)
// unless it is exactly that: 0.9956 reads "99,6%", 0.9996 "> 99,9%".
function pct(score) {
  if (score >= 1) return "100%";
  if (score <= 0) return "0%";
  const tenths = Math.round(score * 1000);
  if (tenths >= 1000) return "> 99,9%";
  if (tenths <= 0) return "< 0,1%";
  return `${(tenths / 10).toFixed(1).replace(".", ",")}%`;
}

function scoreSpan(score) {
  const span = el("span", pct(score), "score");
  span.dataset.score = score;
  return span;
}

// -- the model and its taxonomy ---------------------------------------------------------------

async function loadModels() {
  try {
    const info = await call("GET", "/v1/models");
    taxonomy = info.taxonomy;
    campaignInfo = new Map(taxonomy.campaigns.map((c) => [c.id, c]));
    const m = info.model;
    // the configured summary length (configs/limits.yaml), unless the editor changed it
    const count = $("sentences");
    if (!count.dataset.edited && info.summarizer.default_sentences) {
      count.value = info.summarizer.default_sentences;
    }
    $("model-info").textContent = `mô hình ${m.name} ${m.version} (${m.kind}), tóm tắt ${info.summarizer.scorer}`;
  } catch (e) {
    $("model-info").textContent = `Không tải được thông tin mô hình. ${e.message}`;
  }
}

// -- results ----------------------------------------------------------------------------------

function renderTopic(topic) {
  const node = $("topic");
  node.dataset.label = topic.label;
  node.replaceChildren(el("span", topic.name, "name"), scoreSpan(topic.score));
  const ranking = $("ranking");
  ranking.replaceChildren();
  for (const t of topic.ranking.slice(1, 4)) {
    const li = el("li", t.name);
    li.dataset.label = t.label;
    li.appendChild(scoreSpan(t.score));
    ranking.appendChild(li);
  }
}

// How a campaign's score stands against its threshold, when the bundle has one.
function thresholdNote(campaign, isTheme) {
  const info = campaignInfo.get(campaign.id);
  const threshold = info ? info.threshold : null;
  if (threshold === null || threshold === undefined) return null;
  if (Math.abs(campaign.score - threshold) >= NEAR_THRESHOLD) return null;
  const note = el("span", "gần ngưỡng", "near");
  note.title = `ngưỡng ${pct(threshold)}`;
  const why = isTheme
    ? `chỉ vừa vượt ngưỡng ${pct(threshold)}: nên kiểm tra lại`
    : `chỉ thiếu chút nữa là đạt ngưỡng ${pct(threshold)}`;
  return [note, el("span", why, "near-why")];
}

// Campaigns the article reports on, and (apart) those it only names in passing; each with its
// description and evidence sentences written out, since a hover does not exist on phones.
function renderCampaigns(listId, emptyId, campaigns, isTheme) {
  const list = $(listId);
  list.replaceChildren();
  $(emptyId).hidden = campaigns.length > 0;
  for (const c of campaigns) {
    const info = campaignInfo.get(c.id) || {};
    const li = el("li");
    li.dataset.campaign = c.id;
    const head = el("div", undefined, "campaign-head");
    head.appendChild(el("strong", c.name || info.name || c.id));
    head.appendChild(scoreSpan(c.score));
    const near = thresholdNote(c, isTheme);
    if (near) {
      li.dataset.near = "true";
      head.append(...near);
    }
    li.appendChild(head);
    const about = describe(info);
    if (about) li.appendChild(el("p", about, "description"));
    if (info.legal_basis && info.legal_basis.length) {
      li.appendChild(el("p", `Căn cứ: ${info.legal_basis.join("; ")}`, "legal"));
    }
    const evidence = el("ul", undefined, "evidence-list");
    for (const text of c.evidence) evidence.appendChild(el("li", text));
    li.appendChild(evidence);
    li.addEventListener("mouseenter", () => focusCampaign(c.id, true));
    li.addEventListener("mouseleave", () => focusCampaign(c.id, false));
    list.appendChild(li);
  }
}

function focusCampaign(id, on) {
  for (const s of document.querySelectorAll("#article .sentence.evidence")) {
    const ids = (s.dataset.campaigns || "").split(" ");
    s.classList.toggle("active", on && ids.includes(id));
  }
}

// Mark the sentences the models point at: campaign evidence (sentence texts, possibly the
// title) and summary sentences (body indices).
function renderArticle(result) {
  const evidence = new Map(); // sentence text → campaign ids
  for (const c of result.campaigns) {
    for (const text of c.evidence) {
      if (!evidence.has(text)) evidence.set(text, []);
      evidence.get(text).push(c.id);
    }
  }
  const chosen = new Set(result.sentences.map((s) => s.index));
  const mark = (node, text) => {
    if (evidence.has(text)) {
      node.classList.add("evidence");
      node.dataset.campaigns = evidence.get(text).join(" ");
    }
  };
  const article = $("article");
  article.replaceChildren();
  const doc = result.document;
  if (doc.title) {
    const h = el("h3");
    const span = el("span", doc.title, "sentence title");
    mark(span, doc.title);
    h.appendChild(span);
    article.appendChild(h);
  }
  let paragraph = null;
  let current = -1;
  for (const s of doc.sentences) {
    if (s.paragraph !== current) {
      paragraph = el("p");
      article.appendChild(paragraph);
      current = s.paragraph;
    } else {
      paragraph.appendChild(document.createTextNode(" "));
    }
    const span = el("span", s.text, "sentence");
    span.dataset.index = s.index;
    mark(span, s.text);
    if (chosen.has(s.index)) span.classList.add("summary");
    paragraph.appendChild(span);
  }
}

function clearResult() {
  last = null;
  $("result").hidden = true;
  for (const id of ["topic", "ranking", "campaigns", "mentions", "summary", "article"]) {
    $(id).replaceChildren();
  }
  delete $("topic").dataset.label;
  const status = $("feedback-status");
  status.textContent = "";
  status.className = "";
  refreshSendButton();
}

// -- corrections ------------------------------------------------------------------------------

// cyrb53, a small 53-bit string hash, as 14 hex digits.
function hash53(s) {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < s.length; i++) {
    const ch = s.charCodeAt(i);
    h1 = Math.imul(h1 ^ ch, 2654435761);
    h2 = Math.imul(h2 ^ ch, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  const n = 4294967296 * (2097151 & h2) + (h1 >>> 0);
  return n.toString(16).padStart(14, "0");
}

// A stable id for an article the editor gave none: the same title and text get the same id,
// so corrections of one article can be grouped.
function contentId(title, text) {
  return `web-${hash53(`${title || ""}\n${text}`)}`;
}

function loadSent() {
  try {
    return new Map(JSON.parse(localStorage.getItem(SENT_KEY) || "[]"));
  } catch (e) {
    return new Map(); // storage off or unreadable: the guard still holds for this page
  }
}

function rememberSent(key, id) {
  sent.set(key, id);
  while (sent.size > SENT_KEEP) sent.delete(sent.keys().next().value);
  try {
    localStorage.setItem(SENT_KEY, JSON.stringify([...sent]));
  } catch (e) {
    // storage full or off: remembered for this page only
  }
}

function correctionKey(body) {
  return hash53(JSON.stringify(body));
}

function renderCorrection(result) {
  $("feedback-article-id").textContent = last.articleId;
  $("feedback-article-id-note").textContent = last.generatedId
    ? "(tự tạo từ nội dung; điền ô “Mã bài” để dùng mã của tòa soạn)"
    : "";
  const select = $("correct-topic");
  select.replaceChildren();
  for (const t of taxonomy.topics) {
    const opt = el("option", t.name);
    opt.value = t.id;
    opt.selected = t.id === result.topic.label;
    select.appendChild(opt);
  }
  const box = $("correct-campaigns");
  for (const old of box.querySelectorAll(".choice")) old.remove();
  const predicted = new Set(result.campaigns.map((c) => c.id));
  for (const c of taxonomy.campaigns) {
    const label = el("label", undefined, "choice");
    const input = el("input");
    input.type = "checkbox";
    input.value = c.id;
    input.checked = predicted.has(c.id);
    label.appendChild(input);
    const words = el("span", undefined, "choice-text");
    words.appendChild(el("span", c.name, "choice-name"));
    if (describe(c)) words.appendChild(el("span", describe(c), "description"));
    label.appendChild(words);
    box.appendChild(label);
  }
  $("note").value = "";
  const status = $("feedback-status");
  status.textContent = "";
  status.className = "";
  delete status.dataset.feedbackId;
  refreshSendButton();
}

function correctionBody() {
  const campaigns = [...document.querySelectorAll("#correct-campaigns input:checked")].map(
    (i) => i.value,
  );
  return {
    article_id: last.articleId,
    title: last.request.title,
    text: last.request.text,
    predicted: {
      topic: last.response.topic.label,
      campaigns: last.response.campaigns.map((c) => c.id),
    },
    corrected: { topic: $("correct-topic").value, campaigns },
    note: $("note").value.trim() || null,
  };
}

// The button is off while a correction is in flight, and while the form holds one that has
// already been saved: a double click, or a second click after success, sends nothing.
function refreshSendButton() {
  const button = $("send-feedback");
  const done = last ? sent.get(correctionKey(correctionBody())) : undefined;
  button.disabled = sending || !last || done !== undefined;
  button.classList.toggle("busy", sending);
  button.textContent = sending ? "Đang gửi…" : done !== undefined ? "Đã gửi" : "Gửi chỉnh sửa";
  const status = $("feedback-status");
  if (!sending && done === undefined && status.className === "ok") {
    status.textContent = "Nội dung đã thay đổi: bấm “Gửi chỉnh sửa” để lưu bản mới.";
    status.className = "";
  } else if (done !== undefined && !sending && status.className !== "ok") {
    status.textContent = `Chỉnh sửa này đã được lưu (#${done}).`;
    status.className = "ok";
    status.dataset.feedbackId = done;
  }
}

async function sendFeedback() {
  if (!last || sending) return;
  const body = correctionBody();
  const key = correctionKey(body);
  if (sent.has(key)) return;
  const status = $("feedback-status");
  sending = true;
  refreshSendButton();
  try {
    const saved = await call("POST", "/v1/feedback", body);
    rememberSent(key, saved.id);
    status.textContent = `Đã lưu chỉnh sửa #${saved.id} cho bài ${saved.article_id}. Cảm ơn!`;
    status.className = "ok";
    status.dataset.feedbackId = saved.id;
  } catch (e) {
    status.replaceChildren(el("span", `Không lưu được chỉnh sửa. ${e.message}`));
    if (e.detail) status.appendChild(el("span", `Chi tiết: ${e.detail}`, "detail"));
    status.className = "fail";
  } finally {
    sending = false;
    refreshSendButton();
  }
}

// -- analysing --------------------------------------------------------------------------------

async function analyze() {
  if ($("analyze").disabled) return; // Ctrl+Enter while an analysis is in flight
  showError(null);
  clearResult();
  const text = $("text").value;
  if (!text.trim()) {
    showError(
      new ApiProblem("Chưa có nội dung bài báo: dán toàn văn bài vào ô “Nội dung bài báo”.", {
        code: "empty_text",
      }),
    );
    document.body.dataset.state = "error";
    $("text").focus();
    return;
  }
  const title = $("title").value.trim() || null;
  const typedId = $("article-id").value.trim();
  const articleId = typedId || contentId(title, text);
  const request = {
    id: articleId,
    title,
    text,
    sentences: Number($("sentences").value) || undefined, // empty: the server's default
    include_document: true,
  };
  $("analyze").disabled = true;
  document.body.dataset.state = "loading";
  try {
    const response = await call("POST", "/v1/analyze", request);
    if (!taxonomy.topics.length) await loadModels(); // e.g. the API key was typed after load
    last = { request, response, articleId, generatedId: !typedId };
    renderTopic(response.topic);
    renderCampaigns("campaigns", "no-campaigns", response.campaigns, true);
    renderCampaigns("mentions", "no-mentions", response.mentions || [], false);
    $("summary").textContent = response.summary;
    renderArticle(response);
    renderCorrection(response);
    $("result").hidden = false;
    document.body.dataset.state = "analyzed";
    $("result").scrollIntoView({ block: "start" });
  } catch (e) {
    clearResult();
    showError(e instanceof ApiProblem ? e : new ApiProblem(`Lỗi không mong đợi: ${e.message}`));
    document.body.dataset.state = "error";
    $("error").scrollIntoView({ block: "nearest" });
  } finally {
    $("analyze").disabled = false;
  }
}

$("analyze").addEventListener("click", analyze);
$("sentences").addEventListener("input", (e) => (e.target.dataset.edited = "true"));
$("send-feedback").addEventListener("click", sendFeedback);
$("correction").addEventListener("input", refreshSendButton);
$("correction").addEventListener("change", refreshSendButton);
$("correction").addEventListener("submit", (e) => e.preventDefault());
$("text").addEventListener("keydown", (e) => {
  if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) analyze();
});
loadModels();
