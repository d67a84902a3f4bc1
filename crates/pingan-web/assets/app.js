// Small progressive enhancements; every page works without this file.
(function () {
  // Highlight the grid under the pointer on the map and show its name.
  var map = document.querySelector('svg.gridmap');
  if (map) {
    var label = document.getElementById('map-label');
    map.addEventListener('mouseover', function (e) {
      var title = e.target.querySelector && e.target.querySelector('title');
      if (title && label) label.textContent = title.textContent;
    });
  }
  // Residents: fill the grid search from the device's position, where the browser allows it.
  var use = document.getElementById('use-position');
  if (use && document.getElementById('locate-form') && navigator.geolocation) {
    use.hidden = false;
    use.addEventListener('click', function () {
      navigator.geolocation.getCurrentPosition(function (p) {
        document.getElementById('lon').value = p.coords.longitude.toFixed(6);
        document.getElementById('lat').value = p.coords.latitude.toFixed(6);
        document.getElementById('locate-form').submit();
      });
    });
  }

  // Report forms: suggest a category while the resident types (the classifier runs on the server).
  var text = document.querySelector('textarea[data-suggest]');
  if (text && window.fetch) {
    var out = document.getElementById(text.getAttribute('data-suggest'));
    var select = document.querySelector('select[name=category]');
    var timer = null;
    text.addEventListener('input', function () {
      clearTimeout(timer);
      timer = setTimeout(function () {
        if (text.value.trim().length < 4) { out.textContent = ''; return; }
        fetch('/api/v1/classify', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ text: text.value }) })
          .then(function (r) { return r.ok ? r.json() : null; })
          .then(function (p) {
            if (!p) return;
            out.textContent = '';
            (p.categories || []).forEach(function (c) {
              var b = document.createElement('button');
              b.type = 'button'; b.className = 'chip'; b.setAttribute('data-code', c.code);
              b.textContent = (c.name || c.code) + ' ' + Math.round(c.probability * 100) + '%';
              b.addEventListener('click', function () { if (select) select.value = c.code; });
              out.appendChild(b);
            });
            if (p.urgency === 'urgent') {
              var u = document.createElement('div'); u.className = 'alert';
              u.textContent = p.transfer ? '紧急情况请立即拨打 ' + { police110: '110', fire119: '119', ambulance120: '120', traffic122: '122' }[p.transfer] + ' / call the emergency line now' : '已识别为紧急诉求,将优先处理 / marked urgent';
              out.appendChild(u);
            }
          })
          .catch(function () {});
      }, 300);
    });
  }
  // Report form: tap a grid on the map to choose it.
  var pick = document.getElementById('pick-map');
  var gridSelect = document.getElementById('grid');
  if (pick && gridSelect) {
    pick.addEventListener('click', function (e) {
      var code = e.target.getAttribute && e.target.getAttribute('data-code');
      if (!code) return;
      gridSelect.value = code;
      Array.prototype.forEach.call(pick.querySelectorAll('path.chosen'), function (p) { p.classList.remove('chosen'); });
      e.target.classList.add('chosen');
    });
  }
  // Report form: the device's position, where the browser allows it.
  var here = document.getElementById('use-position');
  var reportForm = document.getElementById('report-form');
  if (here && reportForm && navigator.geolocation) {
    here.hidden = false;
    here.addEventListener('click', function () {
      navigator.geolocation.getCurrentPosition(function (p) {
        document.getElementById('lon').value = p.coords.longitude.toFixed(6);
        document.getElementById('lat').value = p.coords.latitude.toFixed(6);
        document.getElementById('position-label').textContent = p.coords.longitude.toFixed(5) + ', ' + p.coords.latitude.toFixed(5);
      });
    });
  }
  // Photo inputs: preview the chosen photos and count them; too many or too large a photo
  // holds the form back before a slow upload (the server checks everything again).
  Array.prototype.forEach.call(document.querySelectorAll('input[type=file][data-max-count]'), function (input) {
    var out = document.getElementById(input.getAttribute('data-preview'));
    var max = Number(input.getAttribute('data-max-count'));
    var maxBytes = Number(input.getAttribute('data-max-bytes'));
    var shown = /^image\/(jpeg|png|webp|gif)$/;
    input.addEventListener('change', function () {
      if (!out) return;
      out.textContent = '';
      var files = Array.prototype.slice.call(input.files || []);
      var problem = files.length > max ? input.getAttribute('data-too-many') : '';
      files.forEach(function (f) {
        if (!problem && f.size > maxBytes) problem = input.getAttribute('data-too-big').replace('{name}', f.name);
        if (window.URL && URL.createObjectURL && shown.test(f.type)) {
          var img = document.createElement('img');
          img.alt = f.name;
          img.onload = function () { URL.revokeObjectURL(img.src); };
          img.src = URL.createObjectURL(f);
          out.appendChild(img);
        }
      });
      var count = document.createElement('span');
      count.className = 'muted';
      count.id = 'photos-count';
      count.textContent = input.getAttribute('data-count').replace('{n}', files.length).replace('{max}', max);
      out.appendChild(count);
      if (input.setCustomValidity) input.setCustomValidity(problem);
      if (problem) {
        var p = document.createElement('div');
        p.className = 'field-error';
        p.textContent = problem;
        out.appendChild(p);
      }
    });
  });
  // Forms that need the phone's position (party registration, on-site check-in): fill the
  // hidden lon/lat from the browser's location before sending, unless already given.
  document.querySelectorAll('form button[data-locate]').forEach(function (b) {
    var f = b.form;
    f.addEventListener('submit', function (ev) {
      if (f.elements['lon'].value && f.elements['lat'].value) return;
      if (!navigator.geolocation) return;
      ev.preventDefault();
      navigator.geolocation.getCurrentPosition(function (p) {
        f.elements['lon'].value = p.coords.longitude.toFixed(6);
        f.elements['lat'].value = p.coords.latitude.toFixed(6);
        f.submit();
      }, function () { f.submit(); }, { timeout: 10000 });
    });
  });
})();
