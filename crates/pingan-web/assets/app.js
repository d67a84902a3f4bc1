// Small progressive enhancements; every page works without this file.
(function () {
  // Highlight the grid under the pointer on the map and show its name.
  var map = document.querySelector('svg.gridmap');
  if (map) {
    var label = document.getElementById('map-label');
    map.addEventListener('mouseover', function (e) {
      var t = e.target.closest('[data-name]');
      if (t && label) label.textContent = t.getAttribute('data-name');
    });
  }
})();
