/*
 * report.js: the timeline table of a wfpsift HTML report, embedded in every
 * report. It reads the rows from the JSON in #timeline-data, draws them with
 * textContent only (never as markup), filters them by the words typed in
 * #timeline-filter (or given as #filter=WORDS in the address), and sorts them
 * by the column clicked. When it is done it sets data-report-ready="1" on the
 * <html> element; a script error sets data-report-error instead.
 */
(function () {
  "use strict";
  var root = document.documentElement;
  window.addEventListener("error", function (event) {
    root.setAttribute("data-report-error", String(event.message));
  });

  /* Positions in a data row, as report-html.c writes them. */
  var KIND = 0, TIME_US = 1, TIME = 2, SEVERITY = 3, RULE = 4, HOST = 5,
    USER = 6, APPLICATION = 7, PID = 8, LOCAL = 9, REMOTE = 10,
    PROTOCOL = 11, DIRECTION = 12, ACTION = 13, EVENT_ID = 14,
    RECORD_ID = 15, MESSAGE = 16;

  /* The table's columns: heading, field, sort key field, numeric. */
  var COLUMNS = [
    { title: "Time (UTC)", field: TIME, key: TIME_US, numeric: true },
    { title: "Host", field: HOST },
    { title: "User", field: USER },
    { title: "Application", field: APPLICATION },
    { title: "PID", field: PID, numeric: true },
    { title: "Local", field: LOCAL },
    { title: "Remote", field: REMOTE },
    { title: "Protocol", field: PROTOCOL },
    { title: "Direction", field: DIRECTION },
    { title: "Action", field: ACTION },
    { title: "Event", field: EVENT_ID, numeric: true },
    { title: "Record", field: RECORD_ID, numeric: true }
  ];
  var SEVERITIES = ["info", "low", "medium", "high", "critical"];

  var table = document.getElementById("timeline-table");
  var filterInput = document.getElementById("timeline-filter");
  var kindSelect = document.getElementById("timeline-kind");
  var status = document.getElementById("timeline-status");
  var data = JSON.parse(document.getElementById("timeline-data").textContent);
  var rows = data.rows;
  var sortColumn = 0, sortDescending = false;

  /* The lower-case text a filter word is looked for in, once per row. */
  var haystacks = rows.map(function (row) {
    return row.map(function (value) {
      return value === null ? "" : String(value);
    }).join("\u0001").toLowerCase();
  });

  /* The last part of a Windows path: what the column shows. */
  function baseName(path) {
    var cut = Math.max(path.lastIndexOf("\\"), path.lastIndexOf("/"));
    return cut >= 0 ? path.slice(cut + 1) : path;
  }

  function cell(tr, text, title) {
    var td = document.createElement("td");
    td.textContent = text === null || text === undefined ? "" : String(text);
    if (title) {
      td.title = title;
    }
    tr.appendChild(td);
    return td;
  }

  /* A finding or gap: time, host, then its message across the rest. */
  function markerRow(row) {
    var tr = document.createElement("tr");
    var severity = SEVERITIES.indexOf(row[SEVERITY]) >= 0 ? row[SEVERITY] : "info";
    tr.className = "marker sev-" + severity;
    tr.setAttribute("data-kind", row[KIND]);
    cell(tr, row[TIME]).className = "time";
    cell(tr, row[HOST]);
    var td = cell(tr, "");
    td.colSpan = COLUMNS.length - 2;
    var badge = document.createElement("span");
    badge.className = "badge sev-" + severity;
    badge.textContent = (row[KIND] === "gap" ? "gap " : "") + severity;
    td.appendChild(badge);
    /* The message starts "[HIGH] port_sweep: ..."; the badge says the first part. */
    var message = String(row[MESSAGE] || "").replace(/^\[[^\]]*\] /, "");
    td.appendChild(document.createTextNode(" " + message));
    return tr;
  }

  function eventRow(row) {
    var tr = document.createElement("tr");
    tr.setAttribute("data-kind", "network");
    COLUMNS.forEach(function (column) {
      var value = row[column.field];
      if (column.field === APPLICATION && value) {
        cell(tr, baseName(value), value);
      } else {
        var td = cell(tr, value);
        if (column.numeric) {
          td.className = column.field === TIME ? "time" : "num";
        }
      }
    });
    tr.title = row[MESSAGE] || "";
    return tr;
  }

  /* Rows (by index) that pass the filter words and the kind choice. */
  function visibleIndexes() {
    var words = filterInput.value.toLowerCase().split(/\s+/).filter(Boolean);
    var kind = kindSelect.value;
    var shown = [];
    for (var i = 0; i < rows.length; i++) {
      var isMarker = rows[i][KIND] !== "network";
      if ((kind === "network" && isMarker) || (kind === "marker" && !isMarker)) {
        continue;
      }
      var haystack = haystacks[i];
      if (words.every(function (word) { return haystack.indexOf(word) >= 0; })) {
        shown.push(i);
      }
    }
    return shown;
  }

  function compare(a, b) {
    var column = COLUMNS[sortColumn];
    var field = column.key === undefined ? column.field : column.key;
    var x = rows[a][field], y = rows[b][field], order = 0;
    if (x === null || y === null) {
      order = x === y ? 0 : (x === null ? 1 : -1);
    } else if (column.numeric) {
      order = Number(x) - Number(y);
    } else {
      order = String(x).localeCompare(String(y));
    }
    if (sortDescending) {
      order = -order;
    }
    return order !== 0 ? order : a - b;
  }

  function render() {
    var shown = visibleIndexes().sort(compare);
    var body = document.createElement("tbody");
    shown.forEach(function (i) {
      body.appendChild(rows[i][KIND] === "network" ? eventRow(rows[i]) : markerRow(rows[i]));
    });
    table.replaceChild(body, table.tBodies[0]);
    var headings = table.tHead.rows[0].cells;
    for (var c = 0; c < headings.length; c++) {
      headings[c].className = c === sortColumn ?
        (sortDescending ? "sorted-descending" : "sorted-ascending") : "";
    }
    status.textContent = "Showing " + shown.length + " of " + rows.length +
      " rows" + (data.total > rows.length ? " embedded (" + data.total +
      " in the case)" : "") + ".";
    root.setAttribute("data-timeline-shown", String(shown.length));
  }

  function buildHeadings() {
    var tr = table.tHead.rows[0];
    COLUMNS.forEach(function (column, index) {
      var th = document.createElement("th");
      th.textContent = column.title;
      th.addEventListener("click", function () {
        sortDescending = sortColumn === index ? !sortDescending : false;
        sortColumn = index;
        render();
      });
      tr.appendChild(th);
    });
  }

  /* #filter=WORDS in the address fills the filter box. */
  function applyAddress() {
    var match = /(?:^#|&)filter=([^&]*)/.exec(window.location.hash);
    if (!match) {
      return;
    }
    try {
      filterInput.value = decodeURIComponent(match[1].replace(/\+/g, " "));
    } catch (error) {
      filterInput.value = match[1];
    }
  }

  buildHeadings();
  applyAddress();
  filterInput.addEventListener("input", render);
  kindSelect.addEventListener("change", render);
  window.addEventListener("hashchange", function () {
    applyAddress();
    render();
  });
  render();
  root.setAttribute("data-report-ready", "1");
})();
